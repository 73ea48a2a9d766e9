"""Table editors: the Key Events table and both action-item tables, every column editable.

Times are typed as people write them (``14:05``, or ``2026-03-14 14:05`` when the event is
not on the incident's date, with an optional ``UTC`` or ``+01:00``) and read in the
document's time zone; due dates are typed as ``2026-03-21``. Removing a key event from the
table remembers it in the document as dismissed, so "Prefill from evidence" and the
candidates' ticks never bring it back on their own.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from postmortem_kit.document.model import ImmediateAction, KeyEvent, LongTermImprovement
from postmortem_kit.widgets.binding import DocumentRef
from postmortem_kit.widgets.rows import Column, RowsEditor

STATUS_OPTIONS = (("open", "open"), ("in progress", "in progress"), ("done", "done"),
                  ("won't do", "won't do"))
PRIORITY_OPTIONS = (("—", None), ("high", "high"), ("medium", "medium"), ("low", "low"))

KEY_EVENT_COLUMNS = (
    Column("time", "Time", "time", width="140px", placeholder="14:05", required=True),
    Column("event", "Event", placeholder="what happened", required=True),
    Column("action_taken", "Action Taken", placeholder="what was done"),
    Column("source", "Source", width="110px", placeholder="evidence"),
    Column("provenance", "Provenance", width="130px", placeholder="file:line"),
)
IMMEDIATE_COLUMNS = (
    Column("description", "Action Item", placeholder="what must be done", required=True),
    Column("owner", "Owner", width="150px", placeholder="who"),
    Column("due", "Due Date", "date", width="120px", placeholder="2026-03-21"),
    Column("status", "Status", "choice", width="120px", options=STATUS_OPTIONS,
           default="open"),
)
LONG_TERM_COLUMNS = (
    Column("description", "Action Item", placeholder="what should improve", required=True),
    Column("owner", "Owner", width="150px", placeholder="who"),
    Column("due", "Due Date", "date", width="120px", placeholder="2026-03-21"),
    Column("priority", "Priority", "choice", width="120px", options=PRIORITY_OPTIONS),
)


class KeyEventsEditor(RowsEditor):
    """The Key Events table, with a button that puts the rows in time order.

    ``postmortem check`` flags events out of order; sorting by hand row by row would be
    tedious after adding a forgotten event at the end.
    """

    def __init__(self, ref: DocumentRef) -> None:
        self._w_sort = W.Button(description="Sort by time", layout=W.Layout(width="auto"))
        self._w_sort.on_click(lambda _: self.sort())
        super().__init__(ref, "key_events", KEY_EVENT_COLUMNS, lambda v: KeyEvent(**v),
                         add_label="Add event", extra=(self._w_sort,))

    def remove(self, row: Any) -> None:
        """Delete ``row``; its event is remembered as dismissed (see the module docstring)."""
        item = row.last_valid
        if item is not None:
            self.ref.document.dismiss(item.time, item.event)
        super().remove(row)

    def sort(self) -> None:
        """Order rows by time; rows not yet valid keep their place at the end."""
        def key(row: Any) -> tuple[int, Any]:
            return (0, row.last_valid.time) if row.last_valid is not None else (1, 0)
        self.rows.sort(key=key)
        self._w_rows.children = [r.widget for r in self.rows]
        self.write()


def immediate_actions(ref: DocumentRef) -> RowsEditor:
    """Action Items > Immediate Actions."""
    return RowsEditor(ref, "action_items.immediate", IMMEDIATE_COLUMNS,
                      lambda v: ImmediateAction(**v), add_label="Add action item")


def long_term_improvements(ref: DocumentRef) -> RowsEditor:
    """Action Items > Long-term Improvements."""
    return RowsEditor(ref, "action_items.long_term", LONG_TERM_COLUMNS,
                      lambda v: LongTermImprovement(**v), add_label="Add improvement")
