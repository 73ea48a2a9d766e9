"""Who and what the incident hurt: users, requests, worst services and endpoints, error budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from postmortem_kit.timeline.ratio import narrow_columns, ratio_table, ratio_tally
from postmortem_kit.timeline.rules import SLI, Latency, UserRule, failed_rows
from postmortem_kit.timeline.span import AnalysisSpan, analysis_span

# Where a user's identity is found, best first; the client address is the last resort.
USER_COLUMNS = ("user", "user_id", "user.id", "usr.id", "customer_id", "client", "client_ip",
                "remote_addr", "clientip")


def user_identity(events: pd.DataFrame) -> pd.Series:
    """One identity per row: the first non-empty of :data:`USER_COLUMNS` (NA when none)."""
    out = pd.Series(pd.NA, index=events.index, dtype="str")
    for column in USER_COLUMNS:
        if column in events:
            values = events[column].astype("str")
            values = values.where(~values.isin(["-", ""]))
            out = out.fillna(values)
    return out


@dataclass
class WindowTally:
    """What :func:`measure_impact` reads of the impact window's rows, in a form whose parts
    add up: counts of a part of the events each, the distinct user identities (active, and
    affected: with a bad event; ``str`` Series, compact even with millions), the
    per-service and per-path tallies."""

    failed_requests: int = 0
    total_requests: int = 0
    slow_requests: int = 0
    error_records: int = 0
    has_users: bool = False
    services: pd.DataFrame | None = None
    endpoints: pd.DataFrame | None = None
    active: pd.Series = field(default_factory=lambda: pd.Series([], dtype="str"))
    affected: pd.Series = field(default_factory=lambda: pd.Series([], dtype="str"))
    users_active: int | None = None  # when counted elsewhere (a cluster): the counts
    users_affected: int | None = None

    def counts(self) -> WindowTally:
        """This tally without its identities (what travels between processes)."""
        return replace(self, active=pd.Series([], dtype="str"),
                       affected=pd.Series([], dtype="str"))


def window_tally(events: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                 slis: Sequence[SLI] = ()) -> WindowTally:
    """The :class:`WindowTally` of ``events``' rows in the window ``[start, end)`` (its
    per-service and per-path tallies in ``[start, end]``, as :func:`ratio_by` counts)."""
    rule = next((s.fn for s in slis if isinstance(s, UserRule)), None)
    times = events["timestamp"]
    cols = list(events.columns) if rule is not None else \
        narrow_columns(events, *USER_COLUMNS, "metric", "value")
    inside = events.loc[((times >= start) & (times < end)).to_numpy(dtype=bool,
                                                                     na_value=False), cols]
    identity = user_identity(inside)
    requests = (inside["kind"] == "request").to_numpy(dtype=bool, na_value=False)
    logs = (inside["kind"] == "log").to_numpy(dtype=bool, na_value=False)
    failed = failed_rows(inside, rule)
    bad = np.zeros(len(inside), dtype=bool)
    slow = np.zeros(len(inside), dtype=bool)
    for sli in slis:
        if sli.source == "metric":
            continue
        rows = sli.select(inside)
        hit = np.zeros(len(inside), dtype=bool)
        hit[rows] = sli.bad(inside[rows])
        bad |= hit
        if isinstance(sli, Latency):
            slow |= hit
    return WindowTally(
        failed_requests=int((failed & requests).sum()),
        total_requests=int(requests.sum()),
        slow_requests=int((slow & requests).sum()),
        error_records=int((failed & logs).sum()),
        has_users=bool((requests | logs).any()),
        services=ratio_tally(events, "service", start=start, end=end, failure=rule),
        endpoints=ratio_tally(events, "path", start=start, end=end, failure=rule),
        active=_distinct(identity),
        affected=_distinct(identity[bad]),
    )


def _distinct(identity: pd.Series) -> pd.Series:
    return identity.dropna().drop_duplicates().reset_index(drop=True)


def add_tallies(tallies: Sequence[WindowTally]) -> WindowTally:
    """The tally of the union of the parts ``tallies`` count (identities: distinct)."""
    return WindowTally(
        failed_requests=sum(t.failed_requests for t in tallies),
        total_requests=sum(t.total_requests for t in tallies),
        slow_requests=sum(t.slow_requests for t in tallies),
        error_records=sum(t.error_records for t in tallies),
        has_users=any(t.has_users for t in tallies),
        services=_added([t.services for t in tallies]),
        endpoints=_added([t.endpoints for t in tallies]),
        active=_union([t.active for t in tallies]),
        affected=_union([t.affected for t in tallies]),
    )


def _added(tallies: list[pd.DataFrame | None]) -> pd.DataFrame | None:
    found = [t for t in tallies if t is not None and len(t)]
    if not found:
        return next((t for t in tallies if t is not None), None)
    return found[0] if len(found) == 1 else pd.concat(found).groupby(level=0, sort=True).sum()


def _union(identities: list[pd.Series]) -> pd.Series:
    full = [i for i in identities if len(i)]
    if len(full) <= 1:
        return full[0] if full else pd.Series([], dtype="str")
    return pd.concat(full, ignore_index=True).drop_duplicates().reset_index(drop=True)


def measure_impact(
    events: pd.DataFrame,
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    *,
    slis: Sequence[SLI] = (),
    peak_ratio: float | None = None,
    slo: float = 0.999,
    slo_window: pd.Timedelta = pd.Timedelta("30D"),
    span: AnalysisSpan | None = None,
    all_requests: int | None = None,
    tally: WindowTally | None = None,
) -> pd.Series:
    """Impact of the window ``[start, end)`` under the SLIs that showed it (``slis``).

    ``users_affected`` counts distinct users (falling back to client address) with at least
    one bad event in the window, bad under any of ``slis`` that reads requests or logs (a
    5xx, an error-level record, a request slower than a latency SLI's threshold), out of
    ``users_active`` seen in it. ``failed_requests`` are the window's requests that fail
    (5xx, or the user's rule), ``slow_requests`` those slower than a latency SLI's
    threshold. ``error_budget_consumed`` is the failed requests as a fraction of the whole
    ``slo_window``'s budget, the request rate taken from the evidence: the requests in its
    analysis ``span`` (computed when not given), so a row with a wrong year does not make
    the evidence look decades long and the budget untouched; ``all_requests`` is that count
    when the caller has it. ``tally`` is the window's :class:`WindowTally` when the caller
    counted it (a cluster, part by part): ``events`` are then not read at all.
    """
    if start is None or end is None:
        return pd.Series({"users_affected": pd.NA, "users_active": pd.NA,
                          "failed_requests": pd.NA, "total_requests": pd.NA,
                          "peak_error_ratio": pd.NA}, dtype="object")
    if tally is None:
        tally = window_tally(events, start, end, slis)
    if span is None:
        span = analysis_span(events, left_out_of="the request rate of the error budget")
    if all_requests is None:
        is_request = (events["kind"] == "request").to_numpy(dtype=bool, na_value=False)
        all_requests = int((is_request & ~span.outside).sum()) if span is not None else 0
    length = span.end - span.start if span is not None else pd.Timedelta(0)
    budget = np.nan
    failed_requests = tally.failed_requests
    if all_requests and length > pd.Timedelta(0):
        expected = all_requests * (slo_window / length)
        budget = failed_requests / (expected * (1 - slo))
    latency = any(isinstance(s, Latency) and s.source != "metric" for s in slis)
    users_active = tally.users_active if tally.users_active is not None else len(tally.active)
    users_affected = tally.users_affected if tally.users_affected is not None else \
        len(tally.affected)
    return pd.Series({
        "users_affected": users_affected if tally.has_users else pd.NA,
        "users_active": users_active if tally.has_users else pd.NA,
        "failed_requests": failed_requests,
        "total_requests": tally.total_requests,
        "slow_requests": tally.slow_requests if latency else pd.NA,
        "error_records": tally.error_records,
        "peak_error_ratio": peak_ratio if peak_ratio is not None else np.nan,
        "worst_services": _worst(tally.services),
        "worst_endpoints": _worst(tally.endpoints),
        "slo": slo,
        "error_budget_consumed": budget,
    }, dtype="object")


def _worst(tally: pd.DataFrame | None) -> pd.Series:
    table = ratio_table([tally])
    return table["failures"][table["failures"] > 0].head(5) if len(table) else \
        pd.Series(dtype="int64")
