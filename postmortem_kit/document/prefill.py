"""Fill a postmortem's empty fields from a :class:`~postmortem_kit.timeline.Timeline`.

The rule: evidence fills blanks, the author's words win. A field that already has a value is
never touched; lists get only entries they do not already hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from postmortem_kit.document.model import KeyEvent, Link, Postmortem
from postmortem_kit.document.times import format_duration

if TYPE_CHECKING:  # pragma: no cover
    from postmortem_kit.timeline.model import Timeline

TOP_KEY_EVENTS = 12


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _time(value: Any):
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def _set(pm: Postmortem, path: str, value: Any, filled: list[str]) -> None:
    """Set ``path`` to ``value`` only when the field is empty and the value is not."""
    *parents, leaf = path.split(".")
    node: Any = pm
    for part in parents:
        node = getattr(node, part)
    if _empty(value) or not _empty(getattr(node, leaf)):
        return
    setattr(node, leaf, value)
    filled.append(path)


def prefill(
    pm: Postmortem,
    tl: Timeline,
    *,
    key_events: Sequence[int] | None = None,
    charts: Sequence[Mapping[str, str]] = (),
) -> list[str]:
    """Fill the empty fields of ``pm`` in place from ``tl``; return the JSON paths filled.

    Parameters
    ----------
    pm
        The document; fields the author has written are left alone.
    tl
        The derived timeline.
    key_events
        Row positions in ``tl.key_events`` to add to the Key Events table (a candidate the
        author had removed comes back only this way). None adds the top candidates, but
        only when the table is still empty, and never one the author removed
        (:attr:`~postmortem_kit.document.model.Postmortem.dismissed_key_events`).
    charts
        ``{"title": ..., "url": ...}`` entries (what ``save_figure`` returns) to list under
        supporting documentation.
    """
    filled: list[str] = []
    started, resolved = _time(tl.phase("started")), _time(tl.phase("resolved"))
    detected = _time(tl.phase("detected"))
    if started is not None:
        _set(pm, "overview.date", pm.to_local(started).date(), filled)
    _set(pm, "overview.start", started, filled)
    _set(pm, "overview.end", resolved, filled)
    _set(pm, "detection.time", detected, filled)
    _set(pm, "detection.method", _note(tl, "detected"), filled)
    _set(pm, "detection.initial_symptoms", initial_symptoms(tl), filled)
    _set(pm, "resolution.time", resolved, filled)
    mitigation = _note(tl, "mitigated")
    if mitigation:
        _set(pm, "resolution.description", f"Mitigated by {mitigation}.", filled)
    _set(pm, "impact.users_affected", users_affected(tl.impact), filled)
    _set(pm, "impact.service_degradation", service_degradation(tl), filled)
    _add_key_events(pm, tl, key_events, filled)
    _add_links(pm, charts, filled)
    return filled


def _note(tl: Timeline, phase: str) -> str:
    note = tl.phases.at[phase, "note"]
    if tl.phase(phase) is None or not isinstance(note, str):
        return ""
    return note


def users_affected(impact: pd.Series) -> str:
    """``1,843 of 5,912 active users (31.2%)``, or "" when the timeline has no users."""
    affected = impact.get("users_affected")
    if affected is None or pd.isna(affected):
        return ""
    active = impact.get("users_active")
    text = f"{int(affected):,}"
    if active is not None and not pd.isna(active) and active:
        text += f" of {int(active):,} active users ({affected / active:.1%})"
    else:
        text += " users"
    return text


def service_degradation(tl: Timeline) -> str:
    """Failed requests, peak error ratio and the worst endpoint, in one sentence."""
    impact = tl.impact
    failed, total = impact.get("failed_requests"), impact.get("total_requests")
    if failed is None or total is None or pd.isna(failed) or not total:
        return ""
    text = f"{int(failed):,} of {int(total):,} requests failed ({failed / total:.1%})"
    peak = impact.get("peak_error_ratio")
    if peak is not None and not pd.isna(peak):
        text += f"; peak error ratio {peak:.1%}"
    worst = impact.get("worst_endpoints")
    if isinstance(worst, pd.Series) and len(worst):
        text += f"; worst endpoint {worst.index[0]} ({int(worst.iloc[0]):,} failures)"
    duration = tl.metrics.at["duration", "value"]
    if isinstance(duration, pd.Timedelta):
        text += f"; over {format_duration(duration.to_pytimedelta())}"
    return text + "."


def initial_symptoms(tl: Timeline, top: int = 3) -> str:
    """The first signs: new and surging error signatures, and the peak error ratio."""
    parts = []
    sig = tl.signatures
    if len(sig):
        for _, row in sig.head(top).iterrows():
            before, during = int(row["count_before"]), int(row["count_during"])
            label = "new" if before == 0 else f"{before} before"
            parts.append(f"{row['template']} ({during} during, {label})")
    peak = tl.impact.get("peak_error_ratio")
    text = ""
    if parts:
        text = "New or surging errors: " + "; ".join(parts) + "."
    if peak is not None and not pd.isna(peak):
        text += f"{' ' if text else ''}Error ratio peaked at {peak:.1%}."
    return text


def _add_key_events(pm: Postmortem, tl: Timeline, rows: Sequence[int] | None,
                    filled: list[str]) -> None:
    candidates = tl.key_events
    if rows is None:
        if pm.key_events or not len(candidates):
            return
        chosen = candidates.head(TOP_KEY_EVENTS)
    else:
        chosen = candidates.iloc[list(rows)]
    have = {(e.time, e.event) for e in pm.key_events}
    added = []
    for _, row in chosen.iterrows():
        event = KeyEvent(
            time=pd.Timestamp(row["time"]).to_pydatetime(),
            event=str(row["event"]),
            action_taken="" if pd.isna(row.get("action_taken")) else str(row["action_taken"]),
            source="" if pd.isna(row.get("source")) else str(row["source"]),
            provenance=_provenance(row),
        )
        if pm.dismissed(event.time, event.event):
            if rows is None:
                continue  # the author removed it: only asking for it by name brings it back
            pm.undismiss(event.time, event.event)
        if (event.time, event.event) not in have:
            added.append(event)
            have.add((event.time, event.event))
    if added:
        pm.key_events = sorted([*pm.key_events, *added], key=lambda e: e.time)
        filled.append("key_events")


def _provenance(row: pd.Series) -> str:
    parts = []
    line = row.get("line")
    if line is not None and not pd.isna(line):
        parts.append(f"line {int(line)}")
    why = row.get("why")
    if why is not None and not pd.isna(why):
        parts.append(str(why))
    return "; ".join(parts)


def _add_links(pm: Postmortem, charts: Sequence[Mapping[str, str]], filled: list[str]) -> None:
    have = {link.url for link in pm.supporting_documentation}
    new = [Link.model_validate(dict(c)) for c in charts if c.get("url") not in have]
    if new:
        pm.supporting_documentation = [*pm.supporting_documentation, *new]
        filled.append("supporting_documentation")
