"""Editing a list of the document row by row: add, remove, reorder, every column editable.

The lists (went well, lessons, stakeholders, links) and the tables (key events, action
items) are the same thing with different columns, so one :class:`RowsEditor` serves both;
:mod:`~postmortem_kit.widgets.lists` and :mod:`~postmortem_kit.widgets.tables` only describe
the columns.

Each row remembers the last value the document accepted. A row the user is still filling
in (an event without a time, a malformed date) shows an error and contributes that last
accepted value, or nothing for a new row, so the file never holds half a row.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ipywidgets as W
from pydantic import ValidationError

from postmortem_kit.document.layout import get_path
from postmortem_kit.document.merge import Conflict
from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.rules import incident_day
from postmortem_kit.document.times import format_time, parse_date, parse_time
from postmortem_kit.widgets.binding import DocumentRef, error_box, friendly, show_error
from postmortem_kit.widgets.conflicts import Choose, ConflictBox

CellKind = Literal["text", "time", "date", "choice"]
Finding = tuple[str, str]


@dataclass(frozen=True)
class Column:
    """One editable column: the model attribute it edits and how it is entered."""

    name: str
    label: str
    kind: CellKind = "text"
    width: str = ""  # "" shares the free width with the other flexible columns
    options: tuple[tuple[str, Any], ...] = ()
    placeholder: str = ""
    required: bool = False  # a row with other cells filled needs this one too
    default: Any = None  # what a new row starts with (a status starts "open")

    def make_widget(self) -> W.ValueWidget:
        layout = (W.Layout(width=self.width, flex="0 1 auto", min_width="0") if self.width
                  else W.Layout(flex="1 1 0", min_width="90px"))
        if self.kind == "choice":
            return W.Dropdown(options=self.options, layout=layout)
        if self.kind == "text":
            # A text area one line high that wraps and grows with its text (the form's
            # style sheet sizes it to its content), so nothing is cut off.
            area = W.Textarea(placeholder=self.placeholder, rows=1, layout=layout)
            area.add_class("pmk-grow")
            return area
        # Times and dates are read when the author leaves the cell, whole: a half-typed
        # "14:0" is never parsed, and a time cleared to be retyped is not saved empty.
        return W.Text(placeholder=self.placeholder, layout=layout, continuous_update=False)

    def parse(self, pm: Postmortem, raw: Any) -> Any:
        """The cell's value for the model; raises ValueError saying what was expected."""
        if self.kind == "time":
            text = (raw or "").strip()
            return parse_time(text, pm.zone, day=incident_day(pm)) if text else None
        if self.kind == "date":
            text = (raw or "").strip()
            return parse_date(text) if text else None
        if self.kind == "text":
            return raw or ""
        return raw

    def show(self, pm: Postmortem, value: Any) -> Any:
        """The cell's widget value for a model value."""
        if self.kind == "time":
            return "" if value is None else format_time(value, pm.zone, day=incident_day(pm),
                                                        with_zone=False)
        if self.kind == "date":
            return "" if value is None else value.isoformat()
        if self.kind == "text":
            return value or ""
        return value


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Row:
    """One row of widgets: a cell per column, move and remove buttons, an error line."""

    def __init__(self, editor: RowsEditor, item: Any = None) -> None:
        self.editor = editor
        self.last_valid: Any = item
        self.error: str | None = None
        self.cells: dict[str, W.ValueWidget] = {c.name: c.make_widget() for c in editor.columns}
        for name, cell in self.cells.items():
            cell.add_class("pmk-cell-" + name.replace("_", "-"))
        small = W.Layout(width="34px", flex="0 0 auto")
        self._w_up = W.Button(description="↑", tooltip="Move up", layout=small)
        self._w_down = W.Button(description="↓", tooltip="Move down", layout=small)
        self._w_remove = W.Button(description="✕", tooltip="Remove this row", layout=small)
        for button, name in ((self._w_up, "up"), (self._w_down, "down"),
                             (self._w_remove, "remove")):
            button.add_class("pmk-" + name)
        self._w_error = error_box()
        self._w_error.layout.margin = "0"
        self._w_notes = W.HTML(layout=W.Layout(display="none"))  # rule findings (no owner)
        self._w_notes.add_class("pmk-row-notes")
        buttons = [self._w_up, self._w_down] if editor.reorder else []
        cells = W.HBox([*self.cells.values(), *buttons, self._w_remove],
                       layout=W.Layout(align_items="flex-start"))
        cells.add_class("pmk-row")
        self.widget = W.VBox([cells, self._w_error, self._w_notes])
        self.widget.add_class("pmk-rowbox")
        self._w_up.on_click(lambda _: editor.move(self, -1))
        self._w_down.on_click(lambda _: editor.move(self, +1))
        self._w_remove.on_click(lambda _: editor.remove(self))
        self.show(item)
        for cell in self.cells.values():
            cell.observe(self._on_change, names="value")

    def show(self, item: Any) -> None:
        """Fill the cells from a model item (or clear them for None)."""
        pm = self.editor.ref.document
        self.editor.quiet = True
        try:
            for column in self.editor.columns:
                value = column.default if item is None else self.editor.get(item, column.name)
                self.cells[column.name].value = column.show(pm, value)
        finally:
            self.editor.quiet = False

    def show_raw(self, raw: dict[str, Any]) -> None:
        """Put widget values into the cells as they are (no parsing, no write)."""
        self.editor.quiet = True
        try:
            for name, value in raw.items():
                self.cells[name].value = value
        finally:
            self.editor.quiet = False

    def values(self) -> dict[str, Any]:
        """What the cells hold now, parsed; raises ValueError for a malformed cell."""
        pm = self.editor.ref.document
        out = {}
        for column in self.editor.columns:
            try:
                out[column.name] = column.parse(pm, self.cells[column.name].value)
            except ValueError as exc:
                raise ValueError(f"{column.label}: {exc}") from None
        return out

    def validate(self) -> None:
        """Rebuild :attr:`last_valid` from the cells, or set :attr:`error` and keep it."""
        try:
            values = self.values()
            missing = [c.label for c in self.editor.columns
                       if c.required and _blank(values[c.name])]
            if all(_blank(v) or v == c.default
                   for c, v in zip(self.editor.columns, values.values(), strict=True)):
                self.last_valid, self.error = None, None  # an emptied row is a removed item
            elif missing:
                self.error = f"{' and '.join(missing)}: required"
            else:
                self.last_valid, self.error = self.editor.build(values), None
        except ValidationError as exc:
            self.error = friendly(exc)
        except ValueError as exc:
            self.error = str(exc)
        show_error(self._w_error, self.error)
        if self.error:
            self.editor.ref.rejected(self.editor.path)

    def _on_change(self, _change: dict[str, Any]) -> None:
        if not self.editor.quiet:
            self.validate()
            self.editor.write()


class RowsEditor:
    """Edits the list at ``path`` of the document, one :class:`Row` per item.

    Parameters
    ----------
    ref
        The form.
    path
        Dotted path of the list (``"action_items.immediate"``).
    columns
        The editable columns, in display order.
    build
        Turns parsed cell values into an item; raises ValueError/ValidationError when the
        row is not a valid item.
    get
        Reads a column's value from an item (attribute access by default).
    reorder
        Show move up/down buttons.
    add_label
        Text of the add button.
    extra
        More buttons shown after the add button (the key events' "Sort by time").
    """

    def __init__(self, ref: DocumentRef, path: str, columns: Sequence[Column],
                 build: Callable[[dict[str, Any]], Any], *,
                 get: Callable[[Any, str], Any] | None = None, reorder: bool = True,
                 add_label: str = "Add", extra: Sequence[W.Widget] = ()) -> None:
        self.ref = ref
        self.path = path
        self.paths: tuple[str, ...] = (path,)
        self.columns = tuple(columns)
        self.build = build
        self.get = get or getattr
        self.reorder = reorder
        self.quiet = False
        self.rows: list[Row] = []
        self._w_rows = W.VBox()
        self._w_add = W.Button(description=add_label, icon="", tooltip="Add a row",
                               layout=W.Layout(width="auto"))
        self._w_add.on_click(lambda _: self.add())
        header = [W.HTML(f"<b>{html.escape(c.label)}</b>",
                         layout=W.Layout(width=c.width, flex="0 1 auto", min_width="0")
                         if c.width else W.Layout(flex="1 1 0", min_width="90px"))
                  for c in self.columns]
        for column, label in zip(self.columns, header, strict=True):
            label.add_class("pmk-cell-" + column.name.replace("_", "-"))
        # The rows end in 34px buttons (plus margins) the header does not have: pad it so
        # the flexible columns line up with their cells.
        buttons = 3 if reorder else 1
        pad = W.HTML(layout=W.Layout(width=f"{buttons * 38}px", flex="0 0 auto"))
        pad.add_class("pmk-pad")
        self._w_header = W.HBox([*header, pad]) if len(self.columns) > 1 else W.HBox()
        self._w_header.add_class("pmk-head")
        self.conflict = ConflictBox()
        self.widget = W.VBox([self.conflict.widget, self._w_header, self._w_rows,
                              W.HBox([self._w_add, *extra])])
        self.widget.add_class("pmk-" + path.replace(".", "-").replace("_", "-"))
        self.widget.add_class("pmk-rows")
        self.refresh()

    # -- reading and writing the document -----------------------------------------------
    def items(self) -> list[Any]:
        """The items the rows contribute to the document, in row order."""
        return [row.last_valid for row in self.rows if row.last_valid is not None]

    def write(self) -> None:
        """Put the rows' items into the document when they differ from it."""
        pm = self.ref.document
        *parents, leaf = self.path.split(".")
        node = get_path(pm, ".".join(parents)) if parents else pm
        items = self.items()
        if list(getattr(node, leaf)) == items:
            return
        setattr(node, leaf, items)
        self.ref.edited(self.path)

    def refresh(self, *, keep_invalid: bool = False) -> None:
        """Rebuild the rows from the document.

        With ``keep_invalid``, rows holding input the document refused survive, so a
        prefill never wipes what the author was typing.
        """
        rejected = ([(row.last_valid, {n: c.value for n, c in row.cells.items()})
                     for row in self.rows if row.error] if keep_invalid else [])
        items = list(get_path(self.ref.document, self.path))
        # Existing rows are reused, so the browser keeps its inputs (and focus) rather than
        # redrawing the table when, say, the time zone changes.
        rows = []
        for i, item in enumerate(items):
            row = self.rows[i] if i < len(self.rows) else Row(self)
            row.last_valid, row.error = item, None
            show_error(row._w_error, None)
            row.show(item)
            rows.append(row)
        self.rows = rows
        for last_valid, raw in rejected:
            twin = next((r for r in self.rows if last_valid is not None
                         and r.last_valid == last_valid and not r.error), None)
            if twin is None:
                twin = Row(self)
                self.rows.append(twin)
            twin.show_raw(raw)
            twin.validate()
        self._w_rows.children = [row.widget for row in self.rows]

    def errors(self) -> list[tuple[str, str]]:
        return [(f"{self.path}[{i}]", row.error) for i, row in enumerate(self.rows)
                if row.error]

    def show_conflicts(self, conflicts: list[Conflict], choose: Choose) -> None:
        """Show the conflicts in this list, above it (none hides the box)."""
        self.conflict.show([c for c in conflicts if c.field == self.path],
                           self.ref.document, choose)

    def show_findings(self, findings: list[Finding]) -> None:
        """Mark rows the document's rules flag (``path[i].field``, message) under the row.

        Items map to rows in order: rows whose input was refused contribute no item.
        """
        by_item: dict[int, list[str]] = {}
        for where, message in findings:
            if where.startswith(self.path + "["):
                index = int(where[len(self.path) + 1:].split("]")[0])
                by_item.setdefault(index, []).append(message)
        item = 0
        for row in self.rows:
            notes = by_item.get(item, []) if row.last_valid is not None else []
            item += row.last_valid is not None
            text = "; ".join(notes)
            row._w_notes.value = (f'<span style="color:#9a6700">⚠ {html.escape(text)}</span>'
                                  if text else "")
            row._w_notes.layout.display = "" if text else "none"

    # -- row operations ------------------------------------------------------------------
    def add(self, **values: Any) -> Row:
        """Append a row (blank, or with raw cell ``values``) and return it."""
        row = Row(self)
        if values:
            row.show_raw(values)
            row.validate()
        self.rows.append(row)
        self._w_rows.children = [r.widget for r in self.rows]
        self.write()
        return row

    def remove(self, row: Row) -> None:
        """Delete ``row`` and its item."""
        self.rows.remove(row)
        self._w_rows.children = [r.widget for r in self.rows]
        self.write()

    def move(self, row: Row, step: int) -> None:
        """Move ``row`` up (``-1``) or down (``+1``), if there is room."""
        i = self.rows.index(row)
        j = i + step
        if not 0 <= j < len(self.rows):
            return
        self.rows[i], self.rows[j] = self.rows[j], self.rows[i]
        self._w_rows.children = [r.widget for r in self.rows]
        self.write()
