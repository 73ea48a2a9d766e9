"""Action items as people write them, read into the template's two tables.

A table's columns are found by their header (``Action Item | Type | Owner | Bug``,
``Action | Owner | Priority | Due Date | Status``); a list's items are read as written,
``[ ]`` / ``[x]`` giving the status and a trailing ``(owner: Ana, due: 2026-04-01)`` the
owner and due date. An item is long-term when it has a priority, or its type says so
(the SRE book's ``prevent`` and ``process``); otherwise immediate (with a status).

Nothing is dropped: when a table holds something no field of an action item can take (a
``Bug`` column, a status on a long-term item, a due date that is no date), the table is
also kept verbatim for the document's notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from postmortem_kit.document.importing.vocabulary import key
from postmortem_kit.document.markdown_blocks import Block, Source
from postmortem_kit.document.markdown_inline import decode_cell, is_table_separator, split_row
from postmortem_kit.document.times import parse_date

_HEADS = {
    "description": ("action item", "action items", "action", "actions", "item", "task",
                    "description", "what", "corrective action", "todo", "follow up"),
    "owner": ("owner", "owners", "assignee", "assigned to", "who", "responsible", "dri",
              "owner s"),
    "due": ("due", "due date", "deadline", "when", "target date", "eta", "by", "target"),
    "status": ("status", "state", "progress", "done"),
    "priority": ("priority", "prio", "pri"),
    "type": ("type", "kind"),
}
_STATUS = {
    "open": "open", "todo": "open", "to do": "open", "not started": "open", "new": "open",
    "pending": "open", "planned": "open", "in progress": "in progress", "wip": "in progress",
    "started": "in progress", "ongoing": "in progress", "doing": "in progress",
    "done": "done", "complete": "done", "completed": "done", "fixed": "done",
    "closed": "done", "resolved": "done", "won t do": "won't do", "wont do": "won't do",
    "won t fix": "won't do", "wontfix": "won't do", "cancelled": "won't do",
    "canceled": "won't do", "dropped": "won't do",
}
_PRIORITY = {"high": "high", "medium": "medium", "med": "medium", "low": "low",
             "p0": "high", "p1": "high", "p2": "medium", "p3": "low", "p4": "low",
             "critical": "high", "urgent": "high", "normal": "medium", "minor": "low"}
_LONG_TERM_TYPES = {"prevent", "prevention", "process", "improve", "improvement",
                    "long term", "longterm"}
_MARKERS = re.compile(r"\*\*(DONE|TODO|IN PROGRESS|WON'T DO)\*\*|\b(DONE|TODO)\b")
_CHECKBOX = re.compile(r"\[(?P<mark>[ xX])\][ \t]+")
_TRAILING = re.compile(r"[ \t]*\((?P<pairs>[^()\n]*:[^()\n]*)\)[ \t]*$")
_PAIR = re.compile(r"[ \t]*(?P<key>[A-Za-z][A-Za-z ]{0,20}?)[ \t]*:[ \t]*(?P<value>[^,;]*)")


@dataclass
class Actions:
    """What an action items section held."""

    immediate: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    long_term: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)
    remarks: list[tuple[int, str]] = field(default_factory=list)


def read_actions(src: Source, blocks: list[Block], *, long_term: bool = False) -> Actions:
    """The action items of a section's blocks (``long_term``: the section says they are)."""
    out = Actions()
    for block in blocks:
        if block.kind == "table":
            _table(src, block, out, long_term)
        elif block.kind == "list":
            for item in block.items:
                _list_item(item.start + 1, item.text, out, long_term)
        else:  # prose ("TBD.", an introduction): kept as written
            out.leftover.append(src.text(block.start, block.end))
    return out


def _table(src: Source, block: Block, out: Actions, long_term: bool) -> None:
    header = [key(h) for h in split_row(src.lines[block.header])]
    cols: dict[str, int] = {}
    for name, heads in _HEADS.items():
        found = next((i for i, h in enumerate(header) if h in heads and i not in cols.values()),
                     None)
        if found is not None:
            cols[name] = found
    cols.setdefault("description", 0)
    keep = False
    for number in block.rows:
        if is_table_separator(src.lines[number]):
            continue
        cells = [decode_cell(c) for c in split_row(src.lines[number])]
        row_cells = dict(enumerate(cells))

        def cell(name: str, row_cells: dict[int, str] = row_cells) -> str:
            i = cols.get(name)
            return row_cells.get(i, "") if i is not None else ""

        if not cell("description"):
            keep = keep or any(cells)
            continue
        used = {cols[n] for n in cols if n != "status" or not long_term}
        keep = keep or any(v for i, v in enumerate(cells) if i not in used)
        row: dict[str, Any] = {"description": cell("description"), "owner": cell("owner")}
        keep = _due(row, cell("due"), number + 1, out) or keep
        kind_long = long_term or bool(cell("priority")) or \
            key(cell("type")) in _LONG_TERM_TYPES
        status = cell("status") or _marker(cells)
        if kind_long:
            priority = _PRIORITY.get(key(cell("priority")))
            if (cell("priority") and priority is None) or status:
                keep = True
            if priority:
                row["priority"] = priority
            out.long_term.append((number + 1, row))
        else:
            if status:
                row["status"] = _STATUS.get(key(status).replace("'", " "), "open")
                keep = keep or key(status).replace("'", " ") not in _STATUS
            keep = keep or bool(cell("priority"))
            out.immediate.append((number + 1, row))
    if keep:
        out.leftover.append(src.text(block.start, block.end))


def _marker(cells: list[str]) -> str:
    for cell in cells:
        match = _MARKERS.search(cell)
        if match:
            return (match[1] or match[2]).lower()
    return ""


def _due(row: dict[str, Any], text: str, line: int, out: Actions) -> bool:
    """Set ``row["due"]`` from ``text``; True when it could not be read (keep the table)."""
    if not text:
        return False
    try:
        row["due"] = parse_date(text)
    except ValueError:
        out.remarks.append((line, f"due date {text!r} is no date: kept in notes"))
        return True
    return False


def _list_item(line: int, text: str, out: Actions, long_term: bool) -> None:
    if not text.strip():
        return
    row: dict[str, Any] = {}
    box = _CHECKBOX.match(text)
    if box:
        row["status"] = "done" if box["mark"] in "xX" else "open"
        text = text[box.end():]
    trailing = _TRAILING.search(text)
    extracted = _pairs(trailing["pairs"]) if trailing else None
    if trailing and extracted is not None:
        text = text[:trailing.start()]
        row.update(extracted)
    row["description"] = text.strip()
    if not row["description"]:
        return
    if long_term or row.get("priority"):
        status = row.pop("status", None)
        if status:
            row["description"] += f" (status: {status})"
        if not row.get("priority"):
            row.pop("priority", None)
        out.long_term.append((line, row))
    else:
        row.pop("priority", None)
        out.immediate.append((line, row))


def _pairs(text: str) -> dict[str, Any] | None:
    """``owner: Ana, due: 2026-04-01`` as fields, or None unless every pair is one we read."""
    fields: dict[str, Any] = {}
    for pair in _PAIR.finditer(text):
        name = next((n for n, heads in _HEADS.items() if key(pair["key"]) in heads), None)
        value = pair["value"].strip()
        if name == "owner" and value:
            fields["owner"] = value
        elif name == "due":
            try:
                fields["due"] = parse_date(value)
            except ValueError:
                return None
        elif name == "priority" and key(value) in _PRIORITY:
            fields["priority"] = _PRIORITY[key(value)]
        elif name == "status" and key(value).replace("'", " ") in _STATUS:
            fields["status"] = _STATUS[key(value).replace("'", " ")]
        else:
            return None
    return fields or None
