"""Rules on action items that both ``postmortem check`` and the form apply.

Each rule is a plain function of the document returning ``(json_path, message)`` pairs, so
the check list, the CLI and the form's inline marks say the same thing in the same words.
"""

from __future__ import annotations

import datetime as dt

from postmortem_kit.document.model import Postmortem

Finding = tuple[str, str]


def _tables(pm: Postmortem) -> list[tuple[str, list]]:
    return [("action_items.immediate", list(pm.action_items.immediate)),
            ("action_items.long_term", list(pm.action_items.long_term))]


def incident_day(pm: Postmortem) -> dt.date | None:
    """The day the incident happened: the Date line, else the start's day in the zone."""
    if pm.overview.date is not None:
        return pm.overview.date
    return pm.to_local(pm.overview.start).date() if pm.overview.start else None


def due_before_incident(pm: Postmortem) -> list[Finding]:
    """Action items due before the incident happened: a typo in the year or month.

    >>> pm = Postmortem(overview={"date": "2026-03-14"},
    ...                 action_items={"immediate": [{"description": "x", "due": "2025-03-20"}]})
    >>> due_before_incident(pm)
    [('action_items.immediate[0].due', 'due 2025-03-20 is before the incident (2026-03-14)')]
    """
    day = incident_day(pm)
    if day is None:
        return []
    return [(f"{path}[{i}].due", f"due {item.due.isoformat()} is before the incident "
                                 f"({day.isoformat()})")
            for path, items in _tables(pm) for i, item in enumerate(items)
            if item.due is not None and item.due < day]


def owner_missing(pm: Postmortem) -> list[Finding]:
    """Action items nobody owns: work without an owner is work nobody does."""
    return [(f"{path}[{i}].owner", "action item has no owner")
            for path, items in _tables(pm) for i, item in enumerate(items)
            if not item.owner.strip()]
