"""The clock-skew estimate from tallies of parts of the events (what a cluster's workers
send back): the parts added give the skew of the whole."""

from __future__ import annotations

import warnings

import pandas as pd

from postmortem_kit.sample.suite import build
from postmortem_kit.timeline.clocks import (
    add_failure_tallies,
    failure_tally,
    offsets_from_tally,
)
from postmortem_kit.timeline.span import _micros, analysis_span

FREQ = pd.Timedelta("1min")


def _fence(events: pd.DataFrame) -> tuple[int, int]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        span = analysis_span(events, freq=FREQ)
    low, high = _micros(pd.Series(list(span.fence)))
    return int(low), int(high)


def test_the_tallies_of_interleaved_parts_find_the_access_logs_four_minutes():
    events = build("skewed_clock", seed=3).events  # the access log's clock runs 4 min fast
    fence = _fence(events)
    # every fourth row to each part: each part spans the whole incident
    parts = [events.iloc[i::4] for i in range(4)]
    tally = add_failure_tallies([failure_tally(p, fence=fence, freq=FREQ) for p in parts])
    assert tally.errors.index[0] == "app"  # the reference: most error-level records
    assert offsets_from_tally(tally, freq=FREQ) == {"access": pd.Timedelta("-4min")}
    # what travels: a count per source and minute, not a row per failure
    requests = events["kind"].eq("request") & events["status"].ge(500)
    records = events["kind"].eq("log") & events["level"].isin(["error", "critical"])
    assert int(tally.bins.sum()) == int(requests.sum()) + int(records.sum()) > 1_000
    assert len(tally.bins) < 2 * 200  # two sources, the incident's ~3 hours of minutes


def test_a_failure_far_outside_the_fence_is_counted_but_not_binned():
    events = build("skewed_clock", seed=3).events
    fence = _fence(events)
    wrong = events.loc[events["status"].ge(500).fillna(False)].iloc[[0]].copy()
    wrong["timestamp"] = pd.Timestamp("1970-01-01", tz="UTC")
    parts = [pd.concat([wrong, events.iloc[::2]]), events.iloc[1::2]]
    tally = add_failure_tallies([failure_tally(p, fence=fence, freq=FREQ) for p in parts])
    # the 1970 row does not stretch the span the counts are binned over
    assert tally.low is not None and tally.low > 0
    assert offsets_from_tally(tally, freq=FREQ) == {"access": pd.Timedelta("-4min")}


def test_no_failures_and_no_reference_give_no_offsets():
    events = build("skewed_clock", seed=3).events
    fence = _fence(events)
    quiet = events.loc[(events["kind"] == "request")
                       & events["status"].lt(500).fillna(True).to_numpy(dtype=bool)]
    tally = add_failure_tallies([failure_tally(quiet, fence=fence, freq=FREQ)])
    assert tally.low is None and not len(tally.bins)
    assert offsets_from_tally(tally, freq=FREQ) == {}
