"""The postmortem document: the template's model, its JSON file, Markdown and HTML forms,
and how it displays in a notebook (:class:`Report`)."""

from postmortem_kit.document.display import Report
from postmortem_kit.document.model import (
    DEFAULT_TITLE,
    SCHEMA_VERSION,
    ActionItems,
    Assessment,
    Detection,
    FollowUp,
    ImmediateAction,
    Impact,
    KeyEvent,
    Link,
    LongTermImprovement,
    Note,
    Overview,
    Postmortem,
    Prevention,
    Resolution,
    RootCause,
)

__all__ = [
    "DEFAULT_TITLE",
    "SCHEMA_VERSION",
    "ActionItems",
    "Assessment",
    "Detection",
    "FollowUp",
    "ImmediateAction",
    "Impact",
    "KeyEvent",
    "Link",
    "LongTermImprovement",
    "Note",
    "Overview",
    "Postmortem",
    "Prevention",
    "Report",
    "Resolution",
    "RootCause",
]
