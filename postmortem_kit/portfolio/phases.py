"""A postmortem's phases from its own key events, and the metrics from its phases.

A document without evidence beside it still has a timeline: its key events. Each phase is
the first event (in the document's order) whose text says so, by the rules of
:data:`PHASE_RULES`, searched from the phase before it:

- ``started``: an explicit start (``OUTAGE BEGINS``, "impact starts", "leaves its
  baseline"), else the first event: a timeline starts where the incident does;
- ``detected``: an alert, a page, a report or a ticket ("Functional tests indicate all
  fine, reported on Slack" is no detection);
- ``acknowledged``: an acknowledgement;
- ``mitigated``: a rollback, revert, failover, load shedding, mitigation;
- ``resolved``: ``OUTAGE ENDS``, else the first "resolved / recovered / restored /
  operational / back to normal" after the mitigation.

The metrics are the DESIGN ones (:data:`~postmortem_kit.timeline.metrics.METRICS`). These
are rules on words, so :func:`phases_from_key_events` names the event behind each phase:
the portfolio shows it next to any figure that disagrees with what the document states.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from postmortem_kit.document.model import Postmortem
from postmortem_kit.timeline.metrics import METRICS, PHASES

_WORDS = {
    "started": (r"\b(?:outage|impact|incident|degradation)\s+(?:begins|began|starts|started)\b|"
                r"\bleaves its baseline\b|\bfirst (?:errors?|failures?|5xx)\b|"
                r"\berrors? (?:start|started|begin|began|spike)"),
    "detected": (r"\balert\w*|\balarm\w*|\bpag(?:e|ed|es|ing)\b|\bpagerduty\b|\bopsgenie\b|"
                 r"\bdetect(?:s|ed)?\b|\bnotic(?:e|es|ed)\b|\breport(?:s|ed)?\b|\binformed\b|"
                 r"\bticket\b|\bescalat\w*|\bsynthetic check\b"),
    "acknowledged": r"\backnowledg\w*|\backed\b|\backs?\b",
    "mitigated": (r"\bmitigat\w*|\broll(?:ed|ing)?[ -]?back\b|\brollback\b|\brevert\w*|"
                  r"\bfail(?:ed|s)?[ -]?over\b|\bshed(?:s|ding)?\b|\bworkaround\b|"
                  r"\bdowngrad\w*|\bhot-?fix\w*|\bre-?pointed\b"),
    "resolved": (r"\bresolved\b|\brecover(?:ed|s|y complete)\b|\brestored\b|"
                 r"\bback to normal\b|\boperational\b|\ball clear\b|"
                 r"\bwithin sla\b|\bworks? again\b|\breturns? results\b|\bback under\b"),
}
#: The words of each phase (case-insensitive), as regular expressions.
PHASE_RULES = {phase: re.compile(words, re.IGNORECASE) for phase, words in _WORDS.items()}
_MARKERS = {"started": re.compile(r"\b(?:OUTAGE|IMPACT|INCIDENT) BEGINS\b"),
            "resolved": re.compile(r"\b(?:OUTAGE|IMPACT|INCIDENT) ENDS\b")}
_NOT_TROUBLE = re.compile(r"\ball (?:fine|good|green)\b|\bno (?:issues?|errors?|problems?)\b|"
                          r"\blooks? (?:good|fine)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Phase:
    """A phase found in the key events: its time and the event that said so."""

    time: dt.datetime
    event: str


def phases_from_key_events(pm: Postmortem) -> dict[str, Phase | None]:
    """Each DESIGN phase from ``pm``'s key events, or None where no event says it."""
    events = [(e.time, f"{e.event} {e.action_taken} {e.source}") for e in pm.key_events]
    if not events:
        return dict.fromkeys(PHASES)
    start = _first(events, "started", 0, marker=True)
    if start is None:
        start = _first(events, "started", 0)
    if start is None:
        start = 0  # a timeline starts where the incident does
    detected = _first(events, "detected", start + 1)
    if detected is None and _says(events[start][1], "detected"):
        detected = start
    acknowledged = (_first(events, "acknowledged", detected + 1)
                    if detected is not None else None)
    mitigated = _first(events, "mitigated", start + 1)
    resolved = _first(events, "resolved", start + 1, marker=True)
    if resolved is None:
        after = max(i for i in (start, detected, mitigated) if i is not None)
        resolved = _first(events, "resolved", after + 1)
    found = {"started": start, "detected": detected, "acknowledged": acknowledged,
             "mitigated": mitigated, "resolved": resolved}
    return {phase: (Phase(events[i][0], pm.key_events[i].event) if i is not None else None)
            for phase, i in found.items()}


def _says(text: str, phase: str) -> bool:
    if phase == "detected" and _NOT_TROUBLE.search(text):
        return False
    return bool(PHASE_RULES[phase].search(text))


def _first(events: list[tuple[dt.datetime, str]], phase: str, start: int, *,
           marker: bool = False) -> int | None:
    for i in range(start, len(events)):
        text = events[i][1]
        if (_MARKERS[phase].search(text) if marker else _says(text, phase)):
            return i
    return None


def metrics_of(times: dict[str, dt.datetime | None]) -> dict[str, dt.timedelta | None]:
    """TTD, TTA, TTM, TTR from phase times (None where a phase is missing)."""
    out: dict[str, dt.timedelta | None] = {}
    for metric, (later, earlier, _) in METRICS.items():
        if metric == "duration":
            continue
        a, b = times.get(later), times.get(earlier)
        out[metric] = a - b if a is not None and b is not None else None
    return out
