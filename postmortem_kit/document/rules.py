"""Rules on action items that both ``postmortem check`` and the form apply.

Each rule is a plain function of the document returning ``(json_path, message)`` pairs, so
the check list, the CLI and the form's inline marks say the same thing in the same words;
:mod:`~postmortem_kit.document.check` turns them into errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from postmortem_kit.document.model import ImmediateAction, LongTermImprovement, Postmortem

Finding = tuple[str, str]


def action_items(pm: Postmortem) -> Iterator[tuple[str, ImmediateAction | LongTermImprovement]]:
    """``(path, item)`` of every action item, immediate then long-term."""
    for i, immediate in enumerate(pm.action_items.immediate):
        yield f"action_items.immediate[{i}]", immediate
    for i, long_term in enumerate(pm.action_items.long_term):
        yield f"action_items.long_term[{i}]", long_term


def incident_day(pm: Postmortem) -> dt.date | None:
    """The day the incident happened: the Date line, else the start's day in the display
    zone, else the first key event's."""
    if pm.overview.date is not None:
        return pm.overview.date
    first = pm.overview.start or (pm.key_events[0].time if pm.key_events else None)
    return pm.to_local(first).date() if first is not None else None


def due_before_incident(pm: Postmortem) -> list[Finding]:
    """Action items due before the incident happened: a typo in the year or month, or a
    date copied from an older postmortem.

    >>> pm = Postmortem(overview={"date": "2026-03-14"},
    ...                 action_items={"immediate": [{"description": "x", "due": "2025-03-20"}]})
    >>> due_before_incident(pm)
    [('action_items.immediate[0].due', 'due 2025-03-20 is before the incident (2026-03-14)')]
    """
    day = incident_day(pm)
    if day is None:
        return []
    return [(f"{path}.due", f"due {item.due.isoformat()} is before the incident "
                            f"({day.isoformat()})")
            for path, item in action_items(pm) if item.due is not None and item.due < day]


def owner_missing(pm: Postmortem) -> list[Finding]:
    """Action items nobody owns: work without an owner is work nobody does."""
    return [(f"{path}.owner", "action item has no owner")
            for path, item in action_items(pm) if not item.owner.strip()]


def due_missing(pm: Postmortem) -> list[Finding]:
    """Action items without a due date."""
    return [(f"{path}.due", "action item has no due date")
            for path, item in action_items(pm) if item.due is None]
