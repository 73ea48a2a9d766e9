"""Key event candidates: the rows a human would put in the report's Key Events table.

Candidates come from alerts, pages, changes (from a look-back before the impact start),
chat messages that declare, escalate, mitigate or resolve, the phase boundaries and the first
appearance of each new error signature. Each gets a score for how likely a human is to keep
it; the frame is ranked best first, so ``head(12)`` is the report's table.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from postmortem_kit.timeline.metrics import KEY_EVENT_COLUMNS
from postmortem_kit.timeline.rules import DECLARATION_WORDS, MITIGATION_WORDS, is_rollback

CHAT_SIGNALS: tuple[tuple[str, re.Pattern[str], int], ...] = (
    ("declares", DECLARATION_WORDS, 60),
    ("resolves", re.compile(r"\b(?:resolved|all clear|back to normal|recovered|"
                            r"closing (?:the )?incident)\b", re.I), 55),
    ("mitigates", MITIGATION_WORDS, 55),
    ("finds the cause", re.compile(r"\b(?:root cause|caused by|culprit|the cause|"
                                   r"right after|since .* deploy)\b", re.I), 50),
    ("escalates", re.compile(r"\b(?:escalat\w*|paging|paged|pulling in|waking)\b", re.I), 45),
)
KIND_SCORE = {"deploy": 70, "change": 65, "alert": 55, "page": 55}
PAGE_SCORE = {"triggered": 55, "acknowledged": 60, "resolved": 45, "escalated": 45}
REPEAT_PENALTY = 20  # each further chat message saying the same kind of thing
SIGNAL_KINDS = ("alert", "page", "deploy", "change", "chat")  # what phase markers come from
EVIDENCE_BONUS = 100  # the row a phase was derived from ranks first
_EVIDENCE = "; evidence of a phase"


def _frame(rows: list[dict]) -> pd.DataFrame:
    columns = [*KEY_EVENT_COLUMNS, "line", "score"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["time"] = pd.to_datetime(frame["time"], utc=True).astype("datetime64[us, UTC]")
    frame["line"] = frame["line"].astype("Int64")
    return frame


def _row(ev: pd.Series, event: str, action: str, why: str, score: float) -> dict:
    return {"time": shown_time(ev["timestamp"], str(ev["kind"])), "event": event,
            "action_taken": action,
            "source": ev.get("source"), "kind": str(ev["kind"]), "why": why,
            "line": ev.get("line"), "score": score}


def shown_time(when: pd.Timestamp, kind: str) -> pd.Timestamp:
    """The time a key event is reported at: a chat message's to the second.

    Slack's ``ts`` decimals are a per-channel message id, not microseconds, and no chat
    client shows more than seconds; the events frame keeps the exact ``ts`` for ordering.
    """
    return when.floor("s") if kind == "chat" and not pd.isna(when) else when


def candidates(events: pd.DataFrame, phases: pd.DataFrame, signatures: pd.DataFrame, *,
               lookback: pd.Timedelta = pd.Timedelta("30min"),
               after: pd.Timedelta = pd.Timedelta("15min")) -> pd.DataFrame:
    """All key-event candidates, ranked best first (see the module docstring)."""
    times = phases["time"].dropna()
    if not len(times):
        return _frame([])
    lo, hi = times.min() - lookback, times.max() + after
    # Only the sparse kinds: never copy the bulk of request and log rows.
    window = events[(events["timestamp"] >= lo) & (events["timestamp"] <= hi)
                    & events["kind"].isin(SIGNAL_KINDS)]
    rows = []
    signals = window[window["kind"].isin(["alert", "page", "deploy", "change"])]
    for (_, ev), rollback in zip(signals.iterrows(), is_rollback(signals), strict=True):
        rows.append(_from_signal(ev, rollback=bool(rollback)))
    chat = window[window["kind"] == "chat"]
    said: dict[str, int] = {}
    for _, ev in chat.iterrows():
        for verb, pattern, score in CHAT_SIGNALS:
            if pattern.search(str(ev["message"])):
                who = ev.get("user")
                who = who if isinstance(who, str) and who else "someone"
                repeats = said.get(verb, 0)
                said[verb] = repeats + 1
                rows.append(_row(ev, f"{who} {verb} in chat", str(ev["message"])[:200],
                                 f"chat message that {verb}", score - REPEAT_PENALTY * repeats))
                break
    rows = _dedupe(rows)
    rows += _signature_rows(signatures)
    return with_phase_rows(_frame(rows), phases)


def with_phase_rows(candidates: pd.DataFrame, phases: pd.DataFrame) -> pd.DataFrame:
    """``candidates`` ranked for ``phases``: the phase-boundary rows and the "evidence of a
    phase" bonus follow the phases, so a phase set by hand re-ranks the key events."""
    # A phase's evidence row is known by source and time (JSON sources have no line).
    evidence = {(s, t) for s, t in zip(phases["source"], phases["time"], strict=True)
                if isinstance(s, str) and not pd.isna(t)}
    chat_evidence = {(s, shown_time(t, "chat")) for s, t in evidence}
    rows = candidates[candidates["kind"] != "phase"].to_dict("records")
    for row in rows:
        was = str(row["why"]).endswith(_EVIDENCE)
        now = row["kind"] in SIGNAL_KINDS and (row["source"], row["time"]) in (
            chat_evidence if row["kind"] == "chat" else evidence)
        if now and not was:
            row["score"] += EVIDENCE_BONUS
            row["why"] += _EVIDENCE
        elif was and not now:
            row["score"] -= EVIDENCE_BONUS
            row["why"] = row["why"][: -len(_EVIDENCE)]
    frame = _frame(rows + _phase_rows(phases))
    return frame.sort_values(["score", "time"], ascending=[False, True], kind="stable",
                             ignore_index=True)


def _from_signal(ev: pd.Series, *, rollback: bool = False) -> dict:
    kind = str(ev["kind"])
    state = str(ev.get("state") or "").lower()
    message = str(ev.get("message") or "")
    name = ev.get("alert") if isinstance(ev.get("alert"), str) else None
    if kind == "alert":
        what = f"Alert {name or message[:60]} {state or 'fired'}"
        score = KIND_SCORE["alert"] - (15 if state == "resolved" else 0)
        return _row(ev, what, message[:200] if name else "", f"alert {state}", score)
    if kind == "page":
        what = f"Page {state or 'event'}: {message[:80]}"
        who = ev.get("user")
        action = f"by {who}" if isinstance(who, str) and who and state == "acknowledged" else ""
        score = PAGE_SCORE.get(state, 30)  # assignments and notifications matter less
        return _row(ev, what, action, f"page {state}", score)
    change = ev.get("change_type")
    change = change if isinstance(change, str) and change else kind
    service = ev.get("service") if isinstance(ev.get("service"), str) else ""
    version = ev.get("version") if isinstance(ev.get("version"), str) else ""
    what = f"{change.capitalize()} of {service or 'a service'}" + (f" {version}" if version else "")
    author = ev.get("author") if isinstance(ev.get("author"), str) else ""
    action = message[:200] + (f" (by {author})" if author else "")
    score = KIND_SCORE.get(kind, 50) + (15 if rollback else 0)
    return _row(ev, what, action.strip(), f"{change} in the look-back or window", score)


def _dedupe(rows: list[dict]) -> list[dict]:
    """Drop repeats of the same event within five minutes (re-sent alert notifications)."""
    rows = sorted(rows, key=lambda r: r["time"])
    kept: list[dict] = []
    last: dict[str, pd.Timestamp] = {}
    for row in rows:
        key = row["event"]
        if key in last and row["time"] - last[key] < pd.Timedelta("5min"):
            continue
        last[key] = row["time"]
        kept.append(row)
    return kept


def _phase_rows(phases: pd.DataFrame) -> list[dict]:
    text = {"started": "Impact starts", "resolved": "Impact ends"}
    rows: list[dict[str, Any]] = []
    for phase, label in text.items():
        row = phases.loc[phase]
        if pd.isna(row["time"]):
            continue
        note = row["note"] if isinstance(row["note"], str) and row["rule"] != "manual" else ""
        rows.append({"time": row["time"], "event": f"{label}: {note}" if note else label,
                     "action_taken": "",
                     "source": row["source"], "kind": "phase", "why": f"phase {phase}",
                     "line": row["line"], "score": 90})
    return rows


def _signature_rows(signatures: pd.DataFrame, top: int = 3) -> list[dict]:
    if not len(signatures) or "first_seen" not in signatures:
        return []
    new = signatures[signatures["count_before"] == 0].head(top)
    return [{"time": row["first_seen"], "event": f"New error: {str(row['template'])[:100]}",
             "action_taken": "", "source": row.get("source"), "kind": "log",
             "why": f"first appearance of a new error signature ({int(row['count_during'])} "
                    "during the impact)", "line": row.get("line"), "score": 45}
            for _, row in new.iterrows()]
