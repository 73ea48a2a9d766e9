"""The layout of ``postmortem-template.md`` as data: headings, bold labels, lists and tables.

The Markdown renderer, the Markdown parser, the HTML page and the completeness check all
walk this one description, so a section or label is spelled in exactly one place. Each
field names its place in the :class:`~postmortem_kit.document.model.Postmortem` as a dotted
path and carries the template's placeholder text, which is what an empty field renders as.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

FieldKind = Literal["text", "date", "time", "duration", "severity", "names"]


@dataclass(frozen=True)
class Labeled:
    """A ``- **Label**: value`` line."""

    label: str
    path: str
    placeholder: str
    kind: FieldKind = "text"
    required: bool = False
    optional: bool = False  # beyond the template: a line written only when filled


@dataclass(frozen=True)
class NumberedList:
    """A ``1. item`` list; empty, it shows the template's three placeholder items."""

    path: str
    placeholder: str
    count: int = 3


@dataclass(frozen=True)
class LinkList:
    """A ``- [title](url)`` list; empty, it shows the template's placeholder items."""

    path: str
    placeholders: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A GFM table: the template's header and separator rows, verbatim, then one row per item."""

    path: str
    header: str
    separator: str
    placeholder_row: str
    placeholder_count: int
    columns: tuple[str, ...]  # model attribute shown in each column


Block = Labeled | NumberedList | LinkList | Table


@dataclass(frozen=True)
class Section:
    heading: str
    level: int
    blocks: tuple[Block, ...] = ()
    aliases: tuple[str, ...] = ()  # other spellings people use for the heading

    @property
    def anchor(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.heading.lower()).strip("-")


LAYOUT: tuple[Section, ...] = (
    Section("Incident Overview", 2, (
        Labeled("Date", "overview.date", "[Date of incident]", "date", required=True),
        Labeled("Duration", "overview", "[Start time] to [End time]", "duration", required=True),
        Labeled("Impact", "overview.impact", "[Summary of user/business impact]", required=True),
        Labeled("Severity", "overview.severity", "[P0/P1/P2/P3]", "severity", required=True),
        Labeled("Category", "overview.category", "[Category]", optional=True),
    ), aliases=("Overview",)),
    Section("Timeline", 2),
    Section("Detection", 3, (
        Labeled("Time", "detection.time", "[Time incident was detected]", "time", required=True),
        Labeled("Method", "detection.method", "[How was the incident detected]", required=True),
        Labeled("Initial Symptoms", "detection.initial_symptoms", "[What were the first signs]"),
    )),
    Section("Key Events", 3, (
        Table("key_events", "| Time  | Event | Action Taken |", "|-------|-------|--------------|",
              "| HH:MM | Event description | Action taken |", 2,
              ("time", "event", "action_taken")),
    ), aliases=("Timeline of Events", "Events")),
    Section("Resolution", 3, (
        Labeled("Time", "resolution.time", "[Time incident was resolved]", "time", required=True),
        Labeled("Resolution", "resolution.description", "[Description of fix]", required=True),
    )),
    Section("Root Cause", 2, (
        Labeled("Technical Cause", "root_cause.technical_cause", "[What technically went wrong]",
                required=True),
        Labeled("Contributing Factors", "root_cause.contributing_factors",
                "[What conditions enabled this incident]"),
        Labeled("Trigger", "root_cause.trigger", "[What ultimately triggered the incident]",
                required=True),
    ), aliases=("Root Cause Analysis",)),
    Section("Impact", 2, (
        Labeled("Users Affected", "impact.users_affected", "[Number or percentage]",
                required=True),
        Labeled("Service Degradation", "impact.service_degradation", "[Nature and extent]"),
        Labeled("Business Impact", "impact.business_impact", "[Financial or reputation impact]"),
    )),
    Section("Detection & Response Assessment", 2, (
        Labeled("Detection Method Effectiveness", "assessment.detection_method_effectiveness",
                "[Was monitoring sufficient]"),
        Labeled("Response Time Analysis", "assessment.response_time_analysis",
                "[Were response times acceptable]"),
        Labeled("Tool Effectiveness", "assessment.tool_effectiveness",
                "[Did tools help or hinder]"),
    ), aliases=("Detection and Response Assessment", "Response Assessment")),
    Section("What Went Well", 2, (NumberedList("went_well", "[Positive aspect]"),)),
    Section("What Went Wrong", 2, (NumberedList("went_wrong", "[Area for improvement]"),),
            aliases=("What Could Have Gone Better", "What Went Poorly")),
    Section("Action Items", 2),
    Section("Immediate Actions", 3, (
        Table("action_items.immediate", "| Action Item | Owner | Due Date | Status |",
              "|-------------|-------|----------|--------|",
              "| Description | Owner | Date | Status |", 1,
              ("description", "owner", "due", "status")),
    )),
    Section("Long-term Improvements", 3, (
        Table("action_items.long_term", "| Action Item | Owner | Due Date | Priority |",
              "|-------------|-------|----------|----------|",
              "| Description | Owner | Date | Priority |", 1,
              ("description", "owner", "due", "priority")),
    ), aliases=("Long Term Improvements", "Long-term Actions")),
    Section("Lessons Learned", 2, (NumberedList("lessons_learned", "[Key lesson]"),)),
    Section("Prevention", 2, (
        Labeled("Monitoring Improvements", "prevention.monitoring_improvements",
                "[Changes to monitoring]"),
        Labeled("Process Improvements", "prevention.process_improvements",
                "[Changes to procedures]"),
        Labeled("System Improvements", "prevention.system_improvements",
                "[Technical changes needed]"),
    )),
    Section("Supporting Documentation", 2, (
        LinkList("supporting_documentation", ("[Links to relevant docs, charts, logs]",
                                              "[Incident management timeline]",
                                              "[Communication logs]")),
    )),
    Section("Follow-up", 2, (
        Labeled("Review Date", "follow_up.review_date", "[Date for review of action items]",
                "date"),
        Labeled("Stakeholders", "follow_up.stakeholders", "[List of people to follow up with]",
                "names"),
    ), aliases=("Follow up", "Followup")),
)


#: The section after the template's that holds :attr:`Postmortem.notes` (one ``###``
#: heading and one block quote per note), written only when there are notes.
NOTES_HEADING = "Notes (imported)"


def placeholders() -> list[str]:
    """Every placeholder text of the template (for spotting ones left in a document)."""
    out: list[str] = []
    for section in LAYOUT:
        for block in section.blocks:
            if isinstance(block, Labeled) and block.optional:
                continue
            if isinstance(block, Labeled):
                out += [p.strip() for p in block.placeholder.split(" to ")] if \
                    block.kind == "duration" else [block.placeholder]
            elif isinstance(block, NumberedList):
                out.append(block.placeholder)
            elif isinstance(block, LinkList):
                out += list(block.placeholders)
    return out


def get_path(obj: Any, path: str) -> Any:
    """The value at a dotted ``path`` of the document (``"overview.impact"``)."""
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj
