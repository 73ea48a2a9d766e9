"""postmortem-kit: derive an incident's facts from its evidence and write the postmortem.

Only the names users call are re-exported here (DESIGN.md §5). They are imported lazily so
``import postmortem_kit`` stays fast and a notebook pays only for what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Registers ``events.pm`` on every DataFrame: an accessor must exist before a user's first
# ``events.pm``, whatever they imported (pandas is imported here for it, nothing heavier).
from postmortem_kit import accessor as _accessor  # noqa: F401

__version__ = "0.1.0"

_EXPORTS = {
    "Postmortem": "postmortem_kit.document",
    "read_postmortems": "postmortem_kit.portfolio",
    "read_events": "postmortem_kit.ingest",
    "read_prometheus": "postmortem_kit.ingest.prometheus",
    "derive_timeline": "postmortem_kit.timeline",
    "Timeline": "postmortem_kit.timeline",
    "TimelineSettings": "postmortem_kit.timeline",
    "mine_signatures": "postmortem_kit.timeline.signatures",
    "plot_overview": "postmortem_kit.plots",
    "plot_timeline": "postmortem_kit.plots",
    "plot_phases": "postmortem_kit.plots",
    "save_figure": "postmortem_kit.plots",
    "PostmortemForm": "postmortem_kit.widgets",
    "PostmortemKitError": "postmortem_kit.errors",
    "DocumentError": "postmortem_kit.errors",
    "IngestError": "postmortem_kit.errors",
}

__all__ = [
    "DocumentError",
    "IngestError",
    "Postmortem",
    "PostmortemForm",
    "PostmortemKitError",
    "Timeline",
    "TimelineSettings",
    "derive_timeline",
    "mine_signatures",
    "plot_overview",
    "plot_phases",
    "plot_timeline",
    "read_events",
    "read_postmortems",
    "read_prometheus",
    "save_figure",
]

if TYPE_CHECKING:  # pragma: no cover
    from postmortem_kit.document import Postmortem
    from postmortem_kit.errors import DocumentError, IngestError, PostmortemKitError
    from postmortem_kit.ingest import read_events
    from postmortem_kit.ingest.prometheus import read_prometheus
    from postmortem_kit.plots import plot_overview, plot_phases, plot_timeline, save_figure
    from postmortem_kit.portfolio import read_postmortems
    from postmortem_kit.timeline import Timeline, TimelineSettings, derive_timeline
    from postmortem_kit.timeline.signatures import mine_signatures
    from postmortem_kit.widgets import PostmortemForm


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'postmortem_kit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
