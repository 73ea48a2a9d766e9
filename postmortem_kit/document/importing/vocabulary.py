"""What the headings and labels of postmortems in the wild mean, as data.

Headings are compared loosely (:func:`key`: case, punctuation, numbering, a trailing colon
and ``&``/``and`` ignored), so ``## 3. Root Cause(s):`` and ``### root causes`` are one
heading. Each heading maps to a :class:`Target`: a field of the document and how the
section's content is read into it. A heading that maps nowhere is kept verbatim in the
document's ``notes``.

:data:`LAYOUTS` lists the headings that tell each known layout apart (for ``layout="auto"``
and for the import report); the mapping itself is shared, since the layouts mostly name the
same things.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from postmortem_kit.document.stated import STATED_LABELS

ReadAs = Literal["text", "list", "events", "actions", "links", "names", "stats", "scalar",
                 "container"]


@dataclass(frozen=True)
class Target:
    """Where a section goes: a model path and how its content is read.

    ``text``: the section's Markdown as written (labeled lines naming a field of the same
    template section, e.g. ``Users affected: 1,204`` under Impact, go to that field);
    ``list``: one item per list item or paragraph; ``events``: a timeline (table or lines);
    ``actions``: action items (table or list); ``links``: supporting documents; ``names``:
    people; ``stats``: ``Key: value`` lines (category, severity, durations); ``scalar``: one
    value (a date, a severity); ``container``: only sub-headings (``How'd We Do?``).
    """

    path: str
    read_as: ReadAs


def key(heading: str) -> str:
    """A heading or label as compared: ``"3. Root Cause(s):"`` -> ``"root cause s"``."""
    text = heading.lower().replace("&", " and ").replace("’", "'")
    text = re.sub(r"^\s*(?:\d+(?:\.\d+)*[.)]?|[ivx]+\.)\s+", "", text)  # "3.", "2.1", "iv."
    text = re.sub(r"^\s*the\s+", "", text)  # "The Impact"
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _table(entries: dict[str, Target]) -> dict[str, Target]:
    return {key(name): target for name, target in entries.items()}


_IMPACT = Target("overview.impact", "text")
_CAUSE = Target("root_cause.technical_cause", "text")
_FACTORS = Target("root_cause.contributing_factors", "text")
_RESOLUTION = Target("resolution.description", "text")
_EVENTS = Target("key_events", "events")
_ACTIONS = Target("action_items", "actions")
_WELL = Target("went_well", "list")
_WRONG = Target("went_wrong", "list")
_LESSONS = Target("lessons_learned", "list")
_LINKS = Target("supporting_documentation", "links")
_STATS = Target("stats", "stats")

#: Section headings, by what they are called in the wild.
HEADINGS: dict[str, Target] = _table({
    "summary": _IMPACT, "incident summary": _IMPACT, "executive summary": _IMPACT,
    "issue summary": _IMPACT, "overview": _IMPACT, "incident overview": _IMPACT,
    "tl;dr": _IMPACT, "tldr": _IMPACT, "description": _IMPACT,
    "root cause": _CAUSE, "root causes": _CAUSE, "root cause(s)": _CAUSE,
    "root cause analysis": _CAUSE, "blameless root cause": _CAUSE, "fault": _CAUSE,
    "what happened": _CAUSE, "technical cause": _CAUSE, "cause": _CAUSE, "causes": _CAUSE,
    "contributing factors": _FACTORS, "contributing factor": _FACTORS, "leadup": _FACTORS,
    "lead-up": _FACTORS, "lead up": _FACTORS, "contributing causes": _FACTORS,
    "trigger": Target("root_cause.trigger", "text"),
    "immediate trigger": Target("root_cause.trigger", "text"),
    "resolution": _RESOLUTION, "recovery": _RESOLUTION, "resolution and recovery": _RESOLUTION,
    "mitigation": _RESOLUTION, "mitigation and resolution": _RESOLUTION, "fix": _RESOLUTION,
    "detection": Target("detection.method", "text"),
    "how was it detected": Target("detection.method", "text"),
    "response": Target("assessment.response_time_analysis", "text"),
    "impact": Target("impact.service_degradation", "text"),
    "customer impact": Target("impact.service_degradation", "text"),
    "user impact": Target("impact.service_degradation", "text"),
    "impact assessment": Target("impact.service_degradation", "text"),
    "business impact": Target("impact.business_impact", "text"),
    "timeline": _EVENTS, "timeline of events": _EVENTS, "key events": _EVENTS,
    "incident timeline": _EVENTS, "detailed timeline": _EVENTS, "events": _EVENTS,
    "timeline utc": _EVENTS, "chronology": _EVENTS,
    "action items": _ACTIONS, "actions": _ACTIONS, "corrective actions": _ACTIONS,
    "follow-up actions": _ACTIONS, "follow up items": _ACTIONS, "action plan": _ACTIONS,
    "remediation items": _ACTIONS, "remediations": _ACTIONS, "next steps": _ACTIONS,
    "corrective and preventative measures": _ACTIONS,
    "corrective and preventive measures": _ACTIONS, "preventive actions": _ACTIONS,
    "remediation and preventive actions": _ACTIONS, "follow-ups": _ACTIONS,
    "what went well": _WELL, "what went well?": _WELL, "what worked": _WELL,
    "things that went well": _WELL, "went well": _WELL, "what went right": _WELL,
    "what went wrong": _WRONG, "what didn't go so well": _WRONG, "what didn't go well": _WRONG,
    "what went poorly": _WRONG, "what could have gone better": _WRONG,
    "what could be improved": _WRONG, "what didn't work": _WRONG, "went wrong": _WRONG,
    "areas for improvement": _WRONG, "what went badly": _WRONG,
    "lessons learned": _LESSONS, "lessons learnt": _LESSONS, "lessons": _LESSONS,
    "learnings": _LESSONS, "key takeaways": _LESSONS, "takeaways": _LESSONS,
    "immediate actions": Target("action_items.immediate", "actions"),
    "short-term actions": Target("action_items.immediate", "actions"),
    "long-term improvements": Target("action_items.long_term", "actions"),
    "long-term actions": Target("action_items.long_term", "actions"),
    "long term improvements": Target("action_items.long_term", "actions"),
    "preventive measures": Target("action_items.long_term", "actions"),
    "how'd we do": Target("", "container"), "how did we do": Target("", "container"),
    "supporting information": _LINKS, "supporting documentation": _LINKS,
    "related records": _LINKS, "references": _LINKS, "links": _LINKS, "related links": _LINKS,
    "stakeholders": Target("follow_up.stakeholders", "names"),
    "stats": _STATS, "statistics": _STATS, "incident stats": _STATS, "key metrics": _STATS,
    "date": Target("overview.date", "scalar"), "severity": Target("overview.severity", "scalar"),
    "category": Target("overview.category", "scalar"),
})

#: ``Key: value`` lines (under the title, or a Stats list) and what they set.
LABELS: dict[str, str] = {key(k): v for k, v in {
    "date": "overview.date", "incident date": "overview.date", "day": "overview.date",
    "severity": "overview.severity", "sev": "overview.severity", "priority": "overview.severity",
    "level": "overview.severity", "incident severity": "overview.severity",
    "category": "overview.category", "type": "overview.category",
    "incident type": "overview.category", "incident category": "overview.category",
    "start": "overview.start", "start time": "overview.start", "started": "overview.start",
    "impact start": "overview.start", "incident start": "overview.start",
    "end": "overview.end", "end time": "overview.end", "ended": "overview.end",
    "impact end": "overview.end", "incident end": "overview.end", "resolved": "overview.end",
    "duration": "duration", "impact duration": "duration", "outage duration": "duration",
    "summary": "overview.impact",
    "detected": "detection.time", "detection time": "detection.time",
    **{label: f"stated.{metric}" for metric, labels in STATED_LABELS.items()
       for label in labels},
}.items()}

#: Headings that tell the known layouts apart (``layout="auto"``), in tie-break order.
LAYOUTS: dict[str, frozenset[str]] = {
    "template": frozenset(map(key, (
        "incident overview", "key events", "immediate actions", "long-term improvements",
        "detection & response assessment", "prevention", "supporting documentation",
        "follow-up"))),
    "google-sre": frozenset(map(key, (
        "root causes", "trigger", "where we got lucky", "supporting information",
        "authors", "status", "what went well", "what went wrong"))),
    "pagerduty": frozenset(map(key, (
        "overview", "what happened", "contributing factors", "how'd we do?",
        "what didn't go so well?", "messaging", "responders", "internal", "external"))),
    "atlassian": frozenset(map(key, (
        "incident summary", "leadup", "fault", "response", "recovery", "five whys",
        "blameless root cause", "related records", "corrective actions", "backlog check",
        "recurrence"))),
    "short": frozenset(map(key, (
        "summary", "contributing factors", "stats", "attendees", "staff present",
        "lessons learned", "action items"))),
}
