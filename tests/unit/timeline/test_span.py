"""A row at an impossible time (year 1, 1970) never sizes the timeline's bins.

It is left out of the binning with a warning naming it; the phases, the impact and the
clock-skew estimate come out as they do without it.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from postmortem_kit.errors import PostmortemKitError, PostmortemKitWarning
from postmortem_kit.sample.suite import build
from postmortem_kit.timeline import derive_timeline
from postmortem_kit.timeline.clocks import estimate_clock_offsets
from postmortem_kit.timeline.ratio import error_ratio
from postmortem_kit.timeline.span import MAX_BINS, analysis_span
from tests.unit.timeline.outlying import EPOCH, GO_ZERO, bounded, with_rows_at


@pytest.fixture(scope="module")
def sample():
    return build("sample_like", 0).events


@pytest.fixture(scope="module")
def clean(sample):
    with warnings.catch_warnings():
        warnings.simplefilter("error", PostmortemKitWarning)  # nothing to leave out here
        return derive_timeline(sample, signatures=False)


@pytest.mark.parametrize("times", [[GO_ZERO], [EPOCH], [GO_ZERO, EPOCH]],
                         ids=["go-zero-time", "unix-epoch", "both"])
@pytest.mark.parametrize("kind", ["request", "log"])
def test_an_impossible_time_is_left_out_and_the_phases_do_not_change(sample, clean, times,
                                                                      kind):
    events = with_rows_at(sample, times, kind=kind, source="access" if kind == "request"
                          else "app")
    with pytest.warns(PostmortemKitWarning) as caught, bounded(seconds=10, megabytes=500):
        tl = derive_timeline(events, signatures=False)
    (warning,) = [w for w in caught if issubclass(w.category, PostmortemKitWarning)]
    message = str(warning.message)
    noun = "event lies" if len(times) == 1 else "events lie"
    assert message.startswith(f"{len(times)} {noun} far outside the rest of the evidence "
                              "(2026-05-04T09:00:00Z to 2026-05-04T11:59:59Z)")
    for when in times:
        assert when in message
    assert "line 9001" in message  # the row is named by its source and line
    pd.testing.assert_frame_equal(tl.phases, clean.phases)
    assert tl.error_ratio.index.equals(clean.error_ratio.index)
    assert tl.impact["error_budget_consumed"] == clean.impact["error_budget_consumed"]
    assert tl.analysis_span.left_out == len(times)


def test_the_clock_skew_estimate_ignores_a_failure_at_an_impossible_time():
    skewed = build("skewed_clock", 0).events
    events = with_rows_at(skewed, [EPOCH], kind="request", source="access")
    with pytest.warns(PostmortemKitWarning, match="left out of the clock-skew estimate"), \
            bounded(seconds=10, megabytes=500):
        offsets = estimate_clock_offsets(events)
    assert offsets == {"access": pd.Timedelta("-4min")}


def test_the_error_ratio_alone_bins_only_its_span(sample):
    events = with_rows_at(sample, [GO_ZERO], kind="request", source="access")
    with pytest.warns(PostmortemKitWarning, match="left out of the error-ratio bins"), \
            bounded(seconds=10, megabytes=500):
        series = error_ratio(events)
    assert series.frame.index[0] == pd.Timestamp("2026-05-04T09:00Z")
    assert len(series.frame) == 180


def test_a_missing_time_is_left_out_and_counted(sample):
    events = with_rows_at(sample, [None], kind="request", source="access")
    with pytest.warns(PostmortemKitWarning, match=r"1 event lies .* or have no time"):
        span = analysis_span(events)
    assert span.left_out == 1
    assert span.start == sample["timestamp"].min() and span.end == sample["timestamp"].max()


def test_evidence_days_away_from_the_incident_is_not_an_outlier(sample):
    # A deploy ten days before and a chat message a week after are evidence, not clock
    # errors: they stay in the span and nothing is warned about.
    events = with_rows_at(sample, ["2026-04-24T09:00:00Z"], kind="deploy", source="deploys")
    events = with_rows_at(events, ["2026-05-11T09:00:00Z"], kind="chat", source="slack")
    with warnings.catch_warnings():
        warnings.simplefilter("error", PostmortemKitWarning)
        span = analysis_span(events)
    assert span.left_out == 0
    assert span.start == pd.Timestamp("2026-04-24T09:00:00Z")
    assert span.end == pd.Timestamp("2026-05-11T09:00:00Z")


def test_a_span_too_long_to_bin_is_refused_naming_its_first_and_last_rows(sample):
    # A third of the rows at the epoch: too many to call outliers, and 56 years of minutes.
    events = with_rows_at(sample, [EPOCH] * (len(sample) // 2), kind="request",
                          source="access")
    with pytest.raises(PostmortemKitError) as info, bounded(seconds=20, megabytes=800):
        derive_timeline(events, signatures=False)
    message = str(info.value)
    assert message.startswith("the events run from 1970-01-01T00:00:00Z (access line 9001) "
                              "to 2026-05-04T11:59:59Z (access line ")
    assert f"bins of 1min, more than {MAX_BINS:,}" in message
    assert "pass a wider freq=" in message
