"""A conflict shown where it happened: both values next to the field, and the choice.

When a field was changed in the form and, differently, in the file, the field's editor shows
a :class:`ConflictBox` right above it: the file's value, the form's value, and buttons to
keep one (or, for a stretch of a list, both). Values are shown as the form shows them:
times in the document's zone, rows as their cells joined.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as W

from postmortem_kit.document.merge import Conflict
from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.times import format_time

Choose = Callable[[str, str], None]


def describe(value: Any, pm: Postmortem) -> str:
    """A JSON value of the document as a person reads it (times in the document's zone)."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if when.tzinfo is not None and "T" in value:
            return format_time(when, pm.zone, day=None, with_zone=True)
        return value
    if isinstance(value, dict):
        return " · ".join(describe(v, pm) for v in value.values() if v not in (None, "", []))
    if isinstance(value, list):
        return "; ".join(describe(v, pm) for v in value) or "(none)"
    return str(value)


class ConflictBox:
    """The conflicts of one editor, each with its two values and the choice buttons."""

    def __init__(self) -> None:
        self.conflicts: tuple[Conflict, ...] = ()
        self.widget = W.VBox(layout=W.Layout(display="none"))
        self.widget.add_class("pmk-conflict")
        self.buttons: dict[tuple[str, str], W.Button] = {}

    def show(self, conflicts: Sequence[Conflict], pm: Postmortem, choose: Choose) -> None:
        """Show ``conflicts`` (hide the box when there are none)."""
        if tuple(conflicts) == self.conflicts:
            return
        self.conflicts = tuple(conflicts)
        self.buttons = {}
        rows: list[W.Widget] = []
        for conflict in conflicts:
            what = conflict.id if conflict.region or "[" in conflict.id else ""
            where = f" ({html.escape(what)})" if what else ""
            text = (f"⚠ <b>Changed in the file too</b>{where}"
                    f"<br>file: <b>{html.escape(describe(conflict.theirs, pm))}</b>"
                    f"<br>yours: <b>{html.escape(describe(conflict.mine, pm))}</b>")
            buttons = []
            sides = [("mine", "Keep yours"), ("theirs", "Take the file's")]
            if conflict.region:
                sides.append(("both", "Keep both"))
            for side, label in sides:
                button = W.Button(description=label, layout=W.Layout(width="auto"))
                button.add_class(f"pmk-choose-{side}")
                button.on_click(lambda _, c=conflict.id, s=side: choose(c, s))
                self.buttons[(conflict.id, side)] = button
                buttons.append(button)
            rows += [W.HTML(text), W.HBox(buttons)]
        self.widget.children = rows
        self.widget.layout.display = "" if conflicts else "none"
