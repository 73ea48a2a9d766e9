"""List editors: went well, went wrong, lessons learned, stakeholders, supporting links.

Each is a one- or two-column :class:`~postmortem_kit.widgets.rows.RowsEditor` with add,
remove and move up/down. A blank row is simply not part of the list yet.
"""

from __future__ import annotations

from typing import Any

from postmortem_kit.document.model import Link
from postmortem_kit.widgets.binding import DocumentRef
from postmortem_kit.widgets.rows import Column, RowsEditor


def _item(item: Any, _name: str) -> Any:
    # String lists hold bare strings, not models: the one column is the item itself.
    return item


def _text(values: dict[str, Any]) -> str:
    return values["text"].replace("\r\n", "\n").strip()


def text_list(ref: DocumentRef, path: str, *, placeholder: str = "",
              add_label: str = "Add item") -> RowsEditor:
    """An editable list of strings (``went_well``, ``follow_up.stakeholders``, ...).

    Parameters
    ----------
    ref
        The form.
    path
        Dotted path of a ``list[str]`` in the document.
    placeholder
        Shown in an empty row (the template's placeholder, without brackets).
    add_label
        Text of the add button.
    """
    column = Column("text", "Item", placeholder=placeholder)
    return RowsEditor(ref, path, (column,), _text, get=_item, add_label=add_label)


def link_list(ref: DocumentRef, path: str = "supporting_documentation") -> RowsEditor:
    """Supporting documentation: a title and an optional URL or relative path per row."""
    columns = (
        Column("title", "Title", placeholder="Grafana dashboard, chart, log excerpt...",
               required=True),
        Column("url", "URL or path", placeholder="https://... or charts/errors.png"),
    )
    return RowsEditor(ref, path, columns, lambda v: Link(**v), add_label="Add link")
