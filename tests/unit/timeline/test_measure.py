"""Per-bin measurement of an SLI: the latency quantile per bin and the learnt threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd

from postmortem_kit.ingest.schema import finalize_events
from postmortem_kit.timeline.measure import bin_quantile, measure
from postmortem_kit.timeline.rules import Latency
from postmortem_kit.timeline.span import analysis_span
from postmortem_kit.timeline.window import WindowSettings


def test_bin_quantile_is_the_nearest_rank_per_bin_in_any_row_order():
    bins = np.array([0, 0, 0, 0, 2, 2, 0])
    values = np.array([5.0, 1.0, 4.0, 2.0, 9.0, 7.0, 3.0])
    # bin 0 holds 1..5: p50 by nearest rank is the 3rd smallest; bin 1 is empty
    assert bin_quantile(bins, values, 3, 0.5)[[0, 2]].tolist() == [3.0, 7.0]
    assert np.isnan(bin_quantile(bins, values, 3, 0.5)[1])
    assert bin_quantile(bins, values, 3, 0.99)[[0, 2]].tolist() == [5.0, 9.0]


def test_the_latency_threshold_is_learnt_from_the_baseline_p99():
    t0 = pd.Timestamp("2026-05-04 09:00", tz="UTC")
    minutes = np.repeat(np.arange(120), 100)
    latency = np.tile(np.arange(1.0, 101.0), 120)  # every minute: 1..100 ms, p99 = 99 ms
    latency[(minutes >= 90) & (np.tile(np.arange(100), 120) < 50)] = 5000.0
    events = finalize_events(pd.DataFrame({
        "timestamp": t0 + pd.to_timedelta(minutes * 60 + np.tile(np.arange(100), 120) * 0.5,
                                          unit="s"),
        "kind": "request", "message": "GET /", "latency_ms": latency}), source="access")
    span = analysis_span(events)
    m = measure(Latency("requests"), events, span=span, freq=pd.Timedelta("1min"),
                window=WindowSettings())
    assert m.sli.threshold == 4 * 99.0
    assert m.series["value"].iloc[0] == 99.0 and m.series["value"].iloc[100] == 5000.0
    (episode,) = m.window.episodes.itertuples()
    assert episode.start == t0 + pd.Timedelta("90min")
