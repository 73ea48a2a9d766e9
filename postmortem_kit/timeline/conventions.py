"""The same incident measured the way other tools measure it, side by side with ours.

Vendors name and anchor their metrics differently; showing all of them for one incident
ends the argument about which "MTTR" a number is. Definitions follow each vendor's
documentation as we read it; where a vendor anchors on a moment our evidence does not
record (Datadog's "declared"), the closest evidence is used and the definition says which.
Our own rows come from :data:`~postmortem_kit.timeline.metrics.METRICS`, the one place our
definitions are written.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pandas._libs.tslibs.nattype import NaTType

from postmortem_kit.timeline.metrics import METRICS, phase_time


@dataclass(frozen=True)
class PageTimes:
    """When the incident's page was created and resolved: what PagerDuty measures from."""

    created: pd.Timestamp | None = None
    resolved: pd.Timestamp | None = None

    @classmethod
    def from_events(cls, events: pd.DataFrame) -> PageTimes:
        """The first page trigger and the last page resolution in the events."""
        if "state" not in events:
            return cls()
        pages = events[events["kind"] == "page"]
        state = pages["state"].str.lower()
        created = pages.loc[state == "triggered", "timestamp"].min()
        resolved = pages.loc[state == "resolved", "timestamp"].max()
        return cls(None if pd.isna(created) else created,
                   None if pd.isna(resolved) else resolved)


def _between(later: pd.Timestamp | None, earlier: pd.Timestamp | None,
             ) -> pd.Timedelta | NaTType:
    if later is None or earlier is None:
        return pd.NaT
    return later - earlier


def conventions(phases: pd.DataFrame, pages: PageTimes) -> pd.DataFrame:
    """One row per (convention, metric) with its value and definition."""
    started, detected = phase_time(phases, "started"), phase_time(phases, "detected")
    acked, mitigated, resolved = (phase_time(phases, "acknowledged"),
                                  phase_time(phases, "mitigated"),
                                  phase_time(phases, "resolved"))
    declared = pages.created or detected
    ours = [("postmortem-kit", name, _between(phase_time(phases, later),
                                              phase_time(phases, earlier)),
             f"{later} − {earlier}")
            for name, (later, earlier, _) in METRICS.items() if name != "duration"]
    rows = [
        *ours,
        ("Datadog", "time to detect", _between(detected, started),
         "detection − earliest customer impact"),
        ("Datadog", "time to repair", _between(resolved, detected),
         "last customer impact − detection"),
        ("Datadog", "time to resolve", _between(resolved, declared),
         "resolved − declared (declared: first page trigger, else detection)"),
        ("PagerDuty", "MTTA", _between(acked, pages.created),
         "first acknowledgement − page created"),
        ("PagerDuty", "MTTR", _between(pages.resolved, pages.created),
         "page resolved − page created"),
        ("Google SRE", "time to detect", _between(detected, started),
         "detected − outage begins"),
        ("Google SRE", "time to mitigate", _between(mitigated, started),
         "mitigated − outage begins"),
        ("Google SRE", "outage duration", _between(resolved, started),
         "outage ends − outage begins"),
    ]
    frame = pd.DataFrame(rows, columns=["convention", "metric", "value", "definition"])
    frame["value"] = pd.Series([pd.Timedelta(v) if not pd.isna(v) else pd.NaT
                                for v in frame["value"]], dtype="timedelta64[us]")
    return frame
