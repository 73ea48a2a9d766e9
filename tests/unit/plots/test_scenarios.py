"""The charts of every generated scenario, from derive_timeline: the extremes included.

Positions are checked against the derived timeline (the chart draws what the timeline
says); whether the timeline is right is the timeline tests' business.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from matplotlib.patches import Rectangle

from postmortem_kit.plots import plot_overview, plot_phases, plot_timeline
from postmortem_kit.sample.suite import SCENARIOS, build
from postmortem_kit.timeline import derive_timeline
from tests.unit.plots.artists import at, num, phase_lines

_DERIVE_OPTIONS = set(inspect.signature(derive_timeline).parameters)
_cache: dict[str, tuple] = {}


def scenario(name: str):
    """(events, timeline) of a scenario, derived once per test session."""
    if name not in _cache:
        built = build(name)
        options = {k: v for k, v in built.options.items() if k in _DERIVE_OPTIONS}
        _cache[name] = built.events, derive_timeline(built.events, **options)
    return _cache[name]


def present_phases(tl) -> dict[str, float]:
    times = tl.phases["time"].dropna()
    return {name: num(t) for name, t in times.items()}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_chart_draws_the_timelines_phases_where_they_are(name):
    events, tl = scenario(name)
    expected = present_phases(tl)
    for ax in (plot_overview(events, tl), plot_timeline(events, tl), plot_phases(tl)):
        lines = phase_lines(ax)
        assert set(lines) == set(expected)
        for phase, x in lines.items():
            assert x == at(expected[phase])


@pytest.mark.parametrize("name", SCENARIOS)
def test_overview_shades_each_episode(name):
    events, tl = scenario(name)
    ax = plot_overview(events, tl)
    shaded = [c for c in ax.collections if c.get_label() == "impact"]
    if not len(tl.episodes):
        assert shaded == [] or len(shaded[0].get_paths()) == 0
        return
    (impact,) = shaded
    starts = sorted(p.vertices[:, 0].min() for p in impact.get_paths())
    assert starts == at(sorted(num(t) for t in tl.episodes["start"]))


def test_no_incident_says_so_instead_of_drawing_an_impact():
    events, tl = scenario("no_incident")
    overview, lanes, phases = (plot_overview(events, tl), plot_timeline(events, tl),
                               plot_phases(tl))
    assert "no impact found in error ratio" in overview.get_title(loc="right")
    assert "no impact found in error ratio" in lanes.get_title(loc="right")
    assert not [p for p in phases.patches if isinstance(p, Rectangle) and p.get_gid()]
    assert any("no impact found in" in t.get_text() for t in phases.texts)


def test_two_bursts_are_two_shaded_spans():
    events, tl = scenario("two_bursts")
    (impact,) = [c for c in plot_overview(events, tl).collections
                 if c.get_label() == "impact"]
    assert len(impact.get_paths()) == 2


def test_quiet_service_ratio_is_merged_into_bins_with_enough_requests():
    events, tl = scenario("quiet_service")
    ax = plot_overview(events, tl)
    (line,) = [ln for ln in ax.lines if ln.get_label().startswith("error ratio")]
    width_minutes = np.diff(line.get_xdata()).min() * 1440
    assert width_minutes >= 5 - 1e-6  # three requests a minute: 1-minute ratios are noise


def test_short_blip_phases_read_in_minutes_and_long_burn_lanes_in_days():
    _, blip = scenario("short_blip")
    ax = plot_phases(blip)
    ax.figure.canvas.draw()
    assert {"10:01", "10:02", "10:03"} <= {t.get_text() for t in ax.get_xticklabels()}
    assert "4m 00s" in {t.get_text().strip() for t in ax.texts}

    events, burn = scenario("long_burn")
    ax = plot_timeline(events, burn)
    ax.figure.canvas.draw()
    labels = {t.get_text() for t in ax.get_xticklabels()}
    assert {"06 May", "07 May", "08 May"} <= labels


def test_a_latency_incident_is_charted_as_its_latency_quantile_with_the_threshold():
    events, tl = scenario("latency_only")
    ax = plot_overview(events, tl)
    (latency,) = [ln for ln in ax.lines if ln.get_label() == "p99 latency"]
    (threshold,) = [ln for ln in ax.lines if ln.get_label().startswith("threshold")]
    sli = tl.sli[0]
    assert threshold.get_ydata()[0] == sli.threshold
    assert threshold.get_label() == f"threshold {sli.threshold:.3g} ms"  # in the SLI's unit
    assert np.nanmax(latency.get_ydata()) >= 3000  # the requests slowed to 3-8 s
    assert not [ln for ln in ax.lines if ln.get_label().startswith("error ratio")]
    assert ax.get_ylabel() == "p99 latency (requests)"
    assert ax.get_title(loc="left") == "P99 latency and traffic"


def test_a_metrics_only_incident_is_charted_from_its_samples():
    events, tl = scenario("metrics_only")
    ax = plot_overview(events, tl)
    (ratio,) = [ln for ln in ax.lines if ln.get_label().startswith("error ratio")]
    assert ratio.get_label() == "error ratio (metric error_ratio)"
    assert not ax.right_ax.patches  # a scrape rate is not traffic: no rate is drawn
