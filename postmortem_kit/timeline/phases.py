"""The phase rules of DESIGN.md §2: each phase with the row and rule that produced it.

Every rule returns a :class:`Marker`: the time, the evidence row (source and line), the rule
in words and a note a reader can put in a report ("alert CheckoutHighErrorRate firing"),
or a missing marker whose note says why there is none. Nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from postmortem_kit.timeline.rules import DECLARATION_WORDS, MITIGATION_WORDS, is_rollback

CHANGE_KINDS = ("deploy", "change")


@dataclass(frozen=True)
class Marker:
    time: pd.Timestamp | None
    rule: str
    note: str
    source: str | None = None
    line: int | None = None

    @classmethod
    def missing(cls, rule: str, why: str) -> Marker:
        return cls(None, rule, why)

    @classmethod
    def from_row(cls, row: pd.Series, rule: str, note: str) -> Marker:
        line = row.get("line")
        return cls(row["timestamp"], rule, note, str(row.get("source")),
                   None if line is None or pd.isna(line) else int(line))


def _rows(events: pd.DataFrame, kind: str | tuple[str, ...]) -> pd.DataFrame:
    kinds = (kind,) if isinstance(kind, str) else kind
    return events[events["kind"].isin(kinds)]


def _state(rows: pd.DataFrame, *states: str) -> pd.DataFrame:
    if "state" not in rows:
        return rows.iloc[0:0]
    return rows[rows["state"].str.lower().isin(states)]


def _label(row: pd.Series, kind: str) -> str:
    name = row.get("alert")
    if kind == "alert" and isinstance(name, str) and name:
        return f"alert {name}"
    text = str(row.get("message", ""))[:80]
    return f"{kind}: {text}"


def detected(events: pd.DataFrame, started: pd.Timestamp | None,
             end: pd.Timestamp | None, lookback: pd.Timedelta) -> Marker:
    """First alert firing or page triggered from ``started − lookback``; else first chat."""
    rule = "first alert firing / page triggered at or after the impact start"
    if started is None:
        return Marker.missing(rule, "no impact start to measure detection from")
    lo = started - lookback
    hi = end if end is not None else events["timestamp"].max()
    alerts = _state(_rows(events, "alert"), "firing")
    pages = _state(_rows(events, "page"), "triggered")
    candidates = pd.concat([alerts, pages])
    candidates = candidates[(candidates["timestamp"] >= lo) & (candidates["timestamp"] <= hi)]
    if len(candidates):
        row = candidates.sort_values("timestamp", kind="stable").iloc[0]
        note = _label(row, str(row["kind"])) + (" firing" if row["kind"] == "alert"
                                                 else " page triggered")
        if row["timestamp"] < started:
            note += " (before the impact start: e.g. a synthetic monitor; TTD is negative)"
        return Marker.from_row(row, rule, note)
    chat = _rows(events, "chat")
    chat = chat[(chat["timestamp"] >= lo) & (chat["timestamp"] <= hi)]
    if len(chat):
        row = chat.sort_values("timestamp", kind="stable").iloc[0]
        who = row.get("user")
        who = f" from {who}" if isinstance(who, str) and who else ""
        return Marker.from_row(row, "fallback: first chat message after the impact start",
                               f"report in chat{who}: {str(row['message'])[:80]}")
    return Marker.missing(rule, "no alert, page or chat message after the impact start")


def acknowledged(events: pd.DataFrame, detected_at: pd.Timestamp | None) -> Marker:
    """First page acknowledgement after detection."""
    rule = "first page acknowledgement after detected"
    if detected_at is None:
        return Marker.missing(rule, "detection is missing")
    acks = _state(_rows(events, "page"), "acknowledged")
    acks = acks[acks["timestamp"] >= detected_at]
    if not len(acks):
        return Marker.missing(rule, "no page acknowledgement after detection")
    row = acks.sort_values("timestamp", kind="stable").iloc[0]
    who = row.get("user")
    note = f"page acknowledged by {who}" if isinstance(who, str) and who else \
        "page acknowledged"
    return Marker.from_row(row, rule, note)


def _change_label(row: pd.Series) -> str:
    kind = row.get("change_type")
    kind = kind if isinstance(kind, str) and kind else str(row["kind"])
    service = row.get("service")
    version = row.get("version")
    text = kind
    if isinstance(service, str) and service:
        text += f" of {service}"
    if isinstance(version, str) and version:
        text += f" to {version}"
    return text


def mitigated(events: pd.DataFrame, started: pd.Timestamp | None,
              recovered: pd.Timestamp | None, last_episode: pd.Timestamp | None = None,
              *, what: str = "the error ratio returns", rule: str | None = None) -> Marker:
    """The change after which the SLI (``what``) returned to baseline for good.

    Changes during the last episode of impact come first (an earlier rollback that ended an
    earlier burst did not end the incident); among them a rollback, else the latest.
    """
    rule = rule or f"the change after which {what} to baseline"
    if started is None or recovered is None:
        return Marker.missing(rule, "no impact window")
    changes = _rows(events, CHANGE_KINDS)
    changes = changes[(changes["timestamp"] >= started) & (changes["timestamp"] <= recovered)]
    if last_episode is not None and (changes["timestamp"] >= last_episode).any():
        changes = changes[changes["timestamp"] >= last_episode]
    if len(changes):
        rollbacks = changes[is_rollback(changes)]
        if len(rollbacks):
            changes = rollbacks
        row = changes.sort_values("timestamp", kind="stable").iloc[-1]
        return Marker.from_row(row, rule, _change_label(row))
    chat = _rows(events, "chat")
    chat = chat[(chat["timestamp"] >= started) & (chat["timestamp"] <= recovered)]
    chat = chat[chat["message"].str.contains(MITIGATION_WORDS, na=False)]
    if len(chat):
        row = chat.sort_values("timestamp", kind="stable").iloc[-1]
        return Marker.from_row(row, "fallback: last mitigation message in chat before recovery",
                               f"action announced in chat: {str(row['message'])[:80]}")
    return Marker.missing(rule, "no deploy, rollback, config or flag change (nor a mitigation "
                                "message in chat) between the impact start and recovery")


def resolved_from_alerts(events: pd.DataFrame, after: pd.Timestamp | None,
                         why: str = "") -> Marker:
    """Fallback without an impact window: the last alert resolved (or page resolved)."""
    rule = "last alert resolved" + (f" ({why})" if why else "")
    done = pd.concat([_state(_rows(events, "alert"), "resolved"),
                      _state(_rows(events, "page"), "resolved")])
    if after is not None:
        done = done[done["timestamp"] >= after]
    if not len(done):
        return Marker.missing(rule, (f"{why}; " if why else "no SLI and ")
                              + "no alert or page resolution")
    row = done.sort_values("timestamp", kind="stable").iloc[-1]
    return Marker.from_row(row, rule, _label(row, str(row["kind"])) + " resolved")


def started_from_alerts(events: pd.DataFrame) -> Marker:
    """Fallback without a ratio: the first alert firing."""
    rule = "first alert firing (no SLI can be measured from the evidence)"
    firing = _state(_rows(events, "alert"), "firing")
    if not len(firing):
        return Marker.missing(rule, "no requests, leveled logs, metrics or alerts to find the "
                                    "impact in")
    row = firing.sort_values("timestamp", kind="stable").iloc[0]
    return Marker.from_row(row, rule, _label(row, "alert") + " firing")


def detected_by_response(events: pd.DataFrame, lookback: pd.Timedelta) -> Marker:
    """Detection without an impact window: the response says when it began.

    The first page trigger anchors it (a page is a response; an alert alone may be
    unrelated noise): the first alert firing up to ``lookback`` before it, else the page.
    With no page, the first alert firing; with neither, the first chat message that
    declares an incident.
    """
    rule = "first alert firing / page triggered (no SLI shows impact: the response)"
    alerts = _state(_rows(events, "alert"), "firing").sort_values("timestamp", kind="stable")
    pages = _state(_rows(events, "page"), "triggered").sort_values("timestamp", kind="stable")
    if len(pages):
        page = pages.iloc[0]
        near = alerts[(alerts["timestamp"] >= page["timestamp"] - lookback)
                      & (alerts["timestamp"] <= page["timestamp"])]
        if len(near):
            return Marker.from_row(near.iloc[0], rule, _label(near.iloc[0], "alert") + " firing")
        return Marker.from_row(page, rule, _label(page, "page") + " page triggered")
    if len(alerts):
        return Marker.from_row(alerts.iloc[0], rule, _label(alerts.iloc[0], "alert") + " firing")
    chat = _rows(events, "chat")
    chat = chat[chat["message"].str.contains(DECLARATION_WORDS, na=False)]
    if len(chat):
        row = chat.sort_values("timestamp", kind="stable").iloc[0]
        return Marker.from_row(row, "fallback: first incident declaration in chat",
                               f"incident declared in chat: {str(row['message'])[:80]}")
    return Marker.missing(rule, "no alert, page or incident declaration in the evidence")
