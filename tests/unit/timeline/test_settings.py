"""TimelineSettings: one typed object for every knob, checked once, recorded on the Timeline."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_kit.errors import UsageError
from postmortem_kit.sample.suite import build
from postmortem_kit.timeline import TimelineSettings, derive_timeline


def test_overrides_are_converted_to_their_types_including_window_fields():
    s = TimelineSettings().with_overrides(freq="30s", merge_gap="5min", min_excess=0.02,
                                          baseline=("2026-05-04 09:00", "2026-05-04T09:30Z"),
                                          clock_offsets={"access": "-3min"})
    assert s.freq == pd.Timedelta(seconds=30)
    assert s.window.merge_gap == pd.Timedelta(minutes=5)
    assert s.window.min_excess == 0.02
    assert s.baseline == (pd.Timestamp("2026-05-04 09:00", tz="UTC"),
                          pd.Timestamp("2026-05-04 09:30", tz="UTC"))
    assert s.clock_offsets == {"access": pd.Timedelta(minutes=-3)}
    assert TimelineSettings().window.min_excess == 0.01  # the default is not touched


@pytest.mark.parametrize("overrides, message", [
    ({"freq": "0s"}, "freq=0 days 00:00:00: must be longer than zero"),
    ({"freq": "banana"}, "freq='banana'"),
    ({"baseline": ("2026-05-04 10:00Z", "2026-05-04 09:00Z")}, "start before end"),
    ({"slo_latency": "-2s"}, "must be longer than zero"),
    ({"slo_latency": 2000}, "give a duration such as '2s'"),
    ({"latency_quantile": 99}, "latency_quantile=99.0: expected a fraction"),
    ({"sli": ("errors",)}, "sli='errors': expected one of error_ratio, latency"),
    ({"slo": 99.9}, "expected a fraction"),
    ({"clock_offsets": "sometimes"}, "expected 'auto'"),
    ({"display_tz": "Not/AZone"}, "display_tz='Not/AZone'"),
    ({"frequency": "1min"}, "unknown setting 'frequency'"),
])
def test_bad_settings_are_usage_errors_naming_the_setting(overrides, message):
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TimelineSettings().with_overrides(**overrides)


def test_derive_timeline_takes_settings_then_overrides_and_records_what_it_used():
    events = build("sample_like").events
    base = TimelineSettings(freq=pd.Timedelta("2min"), signatures=False)
    tl = derive_timeline(events, base, slo=0.995)
    assert tl.settings == TimelineSettings(freq=pd.Timedelta("2min"), signatures=False,
                                           slo=0.995)
    assert (tl.error_ratio.index[1] - tl.error_ratio.index[0]) == pd.Timedelta("2min")
    assert tl.impact["slo"] == 0.995
    assert len(tl.signatures) == 0  # signatures=False was kept from the settings object
