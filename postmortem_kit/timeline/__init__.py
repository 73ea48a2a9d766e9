"""The incident's facts from the evidence: phases, metrics, impact, key events, signatures."""

from postmortem_kit.timeline.derive import TimelineSettings, derive_timeline
from postmortem_kit.timeline.model import METRICS, PHASES, Timeline, compute_metrics

__all__ = ["METRICS", "PHASES", "Timeline", "TimelineSettings", "compute_metrics",
           "derive_timeline"]
