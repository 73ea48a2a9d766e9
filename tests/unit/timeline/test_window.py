"""Impact-window detection on hand-made per-minute counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from postmortem_kit.timeline.window import detect_window

T0 = pd.Timestamp("2026-01-01 00:00", tz="UTC")


def _frame(requests, failures) -> pd.DataFrame:
    requests, failures = np.asarray(requests), np.asarray(failures)
    index = pd.date_range(T0, periods=len(requests), freq="1min", name="bin").astype(
        "datetime64[us, UTC]")
    return pd.DataFrame({"requests": requests, "failures": failures,
                         "ratio": failures / np.maximum(requests, 1)}, index=index)


def test_a_step_is_found_to_the_minute():
    fail = np.zeros(120, int)
    fail[50:70] = 40
    window = detect_window(_frame([100] * 120, fail))
    (start, end), = window.episodes[["start", "end"]].itertuples(index=False)
    assert (start, end) == (T0 + pd.Timedelta("50min"), T0 + pd.Timedelta("70min"))


def test_noise_on_an_error_free_quiet_service_is_not_an_incident():
    rng = np.random.default_rng(3)
    requests = rng.poisson(2, 300)
    failures = (rng.random(300) < 0.02) & (requests > 0)  # the odd failure, one at a time
    window = detect_window(_frame(requests, failures.astype(int)))
    assert window.episodes.empty


def test_bursts_closer_than_the_merge_gap_are_one_episode():
    fail = np.zeros(120, int)
    fail[30:40] = 30
    fail[45:55] = 30  # 5 minutes apart: one episode
    fail[90:100] = 30  # 35 minutes later: a second
    window = detect_window(_frame([100] * 120, fail))
    assert window.episodes["start"].tolist() == [T0 + pd.Timedelta("30min"),
                                                 T0 + pd.Timedelta("90min")]
    assert window.episodes["failures"].tolist() == [600, 300]


def test_a_given_baseline_is_used_as_given():
    fail = np.full(100, 2)
    fail[60:80] = 30
    window = detect_window(_frame([100] * 100, fail),
                           baseline=(T0, T0 + pd.Timedelta("40min")))
    assert window.baseline.how == "given"
    assert window.baseline.pooled == 0.02
    assert window.episodes["start"].iloc[0] == T0 + pd.Timedelta("60min")


def test_no_data_gives_no_episodes():
    window = detect_window(_frame([], []))
    assert window.episodes.empty and window.baseline.how == "no data"


@pytest.mark.parametrize("bins", [1, 2, 4])
def test_sparse_evidence_shorter_than_the_smoothing_window_is_judged_not_crashed(bins):
    # Three requests a minute need a rolling sum of 7 bins; these series are shorter.
    index = pd.date_range("2026-03-12T14:00Z", periods=bins, freq="1min", name="bin")
    frame = pd.DataFrame({"requests": 3, "failures": 0, "ratio": 0.0}, index=index)
    window = detect_window(frame)
    assert len(window.anomalous) == bins and not window.anomalous.any()
    assert window.episodes.empty
