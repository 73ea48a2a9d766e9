"""The same incident measured the way other tools measure it, side by side with ours.

Vendors name and anchor their metrics differently; showing all of them for one incident
ends the argument about which "MTTR" a number is. Definitions follow each vendor's
documentation as we read it; where a vendor anchors on a moment our evidence does not
record (Datadog's "declared"), the closest evidence is used and the definition says which.
"""

from __future__ import annotations

import pandas as pd

from postmortem_kit.timeline.model import Timeline


def _between(later, earlier):
    if later is None or earlier is None:
        return pd.NaT
    return later - earlier


def conventions(tl: Timeline, events: pd.DataFrame) -> pd.DataFrame:
    """One row per (convention, metric) with its value and definition."""
    started, detected = tl.phase("started"), tl.phase("detected")
    acked, mitigated, resolved = (tl.phase("acknowledged"), tl.phase("mitigated"),
                                  tl.phase("resolved"))
    pages = events[events["kind"] == "page"] if "state" in events else events.iloc[0:0]
    state = pages["state"].str.lower() if len(pages) else pd.Series(dtype="str")
    created = pages.loc[state == "triggered", "timestamp"].min() if len(pages) else pd.NaT
    page_resolved = pages.loc[state == "resolved", "timestamp"].max() if len(pages) else pd.NaT
    created = None if pd.isna(created) else created
    page_resolved = None if pd.isna(page_resolved) else page_resolved
    declared = created or detected
    rows = [
        ("postmortem-kit", "ttd", _between(detected, started), "detected − started"),
        ("postmortem-kit", "tta", _between(acked, detected), "acknowledged − detected"),
        ("postmortem-kit", "ttm", _between(mitigated, started), "mitigated − started"),
        ("postmortem-kit", "ttr", _between(resolved, started), "resolved − started"),
        ("Datadog", "time to detect", _between(detected, started),
         "detection − earliest customer impact"),
        ("Datadog", "time to repair", _between(resolved, detected),
         "last customer impact − detection"),
        ("Datadog", "time to resolve", _between(resolved, declared),
         "resolved − declared (declared: first page trigger, else detection)"),
        ("PagerDuty", "MTTA", _between(acked, created),
         "first acknowledgement − page created"),
        ("PagerDuty", "MTTR", _between(page_resolved, created),
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
