"""Who and what the incident hurt: users, requests, worst services and endpoints, error budget."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from postmortem_kit.timeline.ratio import narrow_columns, ratio_by
from postmortem_kit.timeline.rules import SLI, FailureRule, Latency, UserRule, failed_rows
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
    when the caller has it (``events`` then need only hold the window's rows).
    """
    if start is None or end is None:
        return pd.Series({"users_affected": pd.NA, "users_active": pd.NA,
                          "failed_requests": pd.NA, "total_requests": pd.NA,
                          "peak_error_ratio": pd.NA}, dtype="object")
    rule = next((s.fn for s in slis if isinstance(s, UserRule)), None)
    times = events["timestamp"]
    cols = list(events.columns) if rule is not None else \
        narrow_columns(events, *USER_COLUMNS, "metric", "value")
    inside = events.loc[(times >= start) & (times < end), cols]
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
    failed_requests = int((failed & requests).sum())
    total_requests = int(requests.sum())
    if span is None:
        span = analysis_span(events, left_out_of="the request rate of the error budget")
    if all_requests is None:
        is_request = (events["kind"] == "request").to_numpy(dtype=bool, na_value=False)
        all_requests = int((is_request & ~span.outside).sum()) if span is not None else 0
    length = span.end - span.start if span is not None else pd.Timedelta(0)
    budget = np.nan
    if all_requests and length > pd.Timedelta(0):
        expected = all_requests * (slo_window / length)
        budget = failed_requests / (expected * (1 - slo))
    has_users = bool((requests | logs).any())
    latency = any(isinstance(s, Latency) and s.source != "metric" for s in slis)
    return pd.Series({
        "users_affected": int(identity[bad].nunique()) if has_users else pd.NA,
        "users_active": int(identity.nunique()) if has_users else pd.NA,
        "failed_requests": failed_requests,
        "total_requests": total_requests,
        "slow_requests": int((slow & requests).sum()) if latency else pd.NA,
        "error_records": int((failed & logs).sum()),
        "peak_error_ratio": peak_ratio if peak_ratio is not None else np.nan,
        "worst_services": _worst(events, "service", start, end, rule),
        "worst_endpoints": _worst(events, "path", start, end, rule),
        "slo": slo,
        "error_budget_consumed": budget,
    }, dtype="object")


def _worst(events: pd.DataFrame, column: str, start, end,
           failure: FailureRule | None) -> pd.Series:
    table = ratio_by(events, column, start=start, end=end, failure=failure)
    return table["failures"][table["failures"] > 0].head(5) if len(table) else \
        pd.Series(dtype="int64")
