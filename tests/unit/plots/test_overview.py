"""plot_overview: the error ratio, the impact, the phases, the changes and alerts."""

from __future__ import annotations

from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex
from matplotlib.patches import StepPatch

from postmortem_kit.ingest.schema import empty_events, finalize_events
from postmortem_kit.plots import PHASE_COLORS, plot_overview
from postmortem_kit.timeline.rules import UserRule
from postmortem_kit.timeline.window import Baseline
from tests.unit.plots.artists import at, no_overlaps, num, phase_lines, xs
from tests.unit.plots.incidents import few, requests, timeline_for


def scatter(ax, label: str) -> PathCollection:
    (found,) = [c for c in ax.collections if c.get_label() == label]
    return found


def ratio_line(ax):
    (line,) = [ln for ln in ax.lines if ln.get_label().startswith("error ratio")]
    return line


def test_phase_lines_sit_at_the_phase_times_in_their_colours(hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl)
    lines = phase_lines(ax)
    assert set(lines) == {"started", "detected", "acknowledged", "mitigated", "resolved"}
    for name, x in lines.items():
        assert x == at(num(tl.phases.at[name, "time"]))
    for line in ax.lines:
        if line.get_label().startswith("_phase "):
            name = line.get_label().removeprefix("_phase ")
            assert to_hex(line.get_color()) == PHASE_COLORS[name].lower()
    labels = {t.get_text() for t in ax.texts}
    assert {"impact start", "detected", "acknowledged", "mitigated", "resolved"} <= labels


def test_phase_labels_do_not_overlap_each_other(hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl)
    names = {"impact start", "detected", "acknowledged", "mitigated", "resolved"}
    labels = [t for t in ax.texts if t.get_text() in names]
    assert len(labels) == 5
    assert no_overlaps(ax, labels)


def test_error_ratio_is_high_inside_the_impact_and_zero_outside(hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl)
    x, y = ratio_line(ax).get_data()
    inside = (x > num("2026-03-12T14:05Z")) & (x < num("2026-03-12T14:38Z"))
    outside = (x < num("2026-03-12T14:00Z")) | (x > num("2026-03-12T14:42Z"))
    assert np.nanmin(y[inside]) > 0.3
    assert np.nanmax(y[outside]) == 0


def test_impact_episode_is_shaded_across_the_axes(hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl)
    (impact,) = [c for c in ax.collections if c.get_label() == "impact"]
    xs = impact.get_paths()[0].vertices[:, 0]
    assert xs.min() == at(num("2026-03-12T14:03Z"))
    assert xs.max() == at(num("2026-03-12T14:40Z"))


def test_each_episode_gets_its_own_shaded_span():
    events = requests("2026-03-12T13:00Z", "2026-03-12T15:00Z", 4000)
    tl = timeline_for({"started": "2026-03-12T13:30Z", "resolved": "2026-03-12T14:30Z"},
                      episodes=[("2026-03-12T13:30Z", "2026-03-12T13:40Z"),
                                ("2026-03-12T14:20Z", "2026-03-12T14:30Z")])
    ax = plot_overview(events, tl)
    (impact,) = [c for c in ax.collections if c.get_label() == "impact"]
    starts = sorted(p.vertices[:, 0].min() for p in impact.get_paths())
    assert starts == at([num("2026-03-12T13:30Z"), num("2026-03-12T14:20Z")])


def test_deploys_rollbacks_and_alerts_are_distinct_markers_at_their_times(hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl)
    deploy, rollback = scatter(ax, "deploy"), scatter(ax, "rollback")
    firing, resolved = scatter(ax, "alert firing"), scatter(ax, "alert resolved")
    # The bad deploy goes out a tenth of the impact span (3m 42s) before it starts.
    assert xs(deploy) == at([num("2026-03-12T13:59:18Z")])
    assert xs(rollback) == at([num("2026-03-12T14:38:05Z")])
    assert xs(firing) == at([num("2026-03-12T14:09:17Z")])
    assert xs(resolved) == at([num("2026-03-12T14:40Z")])
    shapes = {c.get_label(): c.get_paths()[0].vertices.tobytes()
              for c in (deploy, rollback, firing)}
    assert len(set(shapes.values())) == 3
    assert any("checkout v1" in t.get_text() for t in ax.texts)


def test_config_change_and_message_only_rollback_are_classified():
    events = finalize_events(pd.DataFrame({
        "timestamp": ["2026-03-12T14:00Z", "2026-03-12T14:10Z"],
        "message": ["pool 20 -> 40", "Rolling back checkout"],
        "kind": ["change", "deploy"], "change_type": ["config", pd.NA]}), source="deploys")
    ax = plot_overview(events)
    assert len(scatter(ax, "config / flag change").get_offsets()) == 1
    assert len(scatter(ax, "rollback").get_offsets()) == 1


def test_request_rate_is_on_the_twin_axes(hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl)
    (rate,) = [p for p in ax.right_ax.patches if isinstance(p, StepPatch)]
    values, edges = rate.get_data().values, rate.get_data().edges
    # 8,000 requests over two hours: the rate integrates back to the request count.
    assert (values * np.diff(edges) * 86400).sum() == pytest.approx(8000)


def test_without_a_timeline_there_are_no_phases_but_still_a_ratio(hour_incident):
    events, _ = hour_incident
    ax = plot_overview(events)
    assert phase_lines(ax) == {}
    assert not [c for c in ax.collections if c.get_label() == "impact"]
    assert len(ratio_line(ax).get_xdata()) > 10


def test_timeline_alone_draws_its_error_ratio():
    index = pd.date_range("2026-03-12T14:00Z", periods=60, freq="1min")
    ratio = np.where((index >= "2026-03-12T14:20Z") & (index < "2026-03-12T14:30Z"), 0.5, 0.0)
    table = pd.DataFrame({"requests": 100, "failures": ratio * 100, "ratio": ratio}, index=index)
    tl = timeline_for({"started": "2026-03-12T14:20Z", "resolved": "2026-03-12T14:30Z"},
                      error_ratio=table)
    ax = plot_overview(None, tl)
    x, y = ratio_line(ax).get_data()
    assert len(x) == 60
    assert y.max() == 0.5
    assert x[np.argmax(y)] == at(num("2026-03-12T14:20:30Z"))


@pytest.mark.parametrize("events", [None, empty_events()])
def test_nothing_to_chart_is_a_note_not_an_exception(events):
    ax = plot_overview(events, None)
    assert any("nothing to chart" in t.get_text() for t in ax.texts)
    assert len(ax.lines) == 0


def test_logs_give_the_ratio_when_there_are_no_requests():
    events = finalize_events(pd.DataFrame({
        "timestamp": pd.date_range("2026-03-12T14:00Z", periods=600, freq="6s"),
        "message": "x", "level": ["error"] * 100 + ["info"] * 500}), source="app", kind="log")
    ax = plot_overview(events)
    assert ratio_line(ax).get_label() == "error ratio (errors)"
    assert np.nanmax(ratio_line(ax).get_ydata()) == 1.0


def test_by_service_adds_one_line_per_failing_service(hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl, by_service=True)
    labels = {ln.get_label() for ln in ax.lines}
    assert {"checkout", "payments", "cart"} <= labels


def test_times_are_shown_in_the_display_timezone(hour_incident):
    events, tl = hour_incident
    ax = plot_overview(events, tl, tz="Europe/Berlin")
    ax.figure.canvas.draw()
    assert ax.get_xlabel() == "time (Europe/Berlin)"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "15:00" in ticks  # 14:00 UTC is 15:00 in Berlin in March
    # Positions stay UTC date numbers: only the labels move.
    assert phase_lines(ax)["started"] == at(num("2026-03-12T14:03Z"))


def test_draws_on_the_axes_it_is_given(hour_incident):
    events, tl = hour_incident
    fig, given = plt.subplots()
    assert plot_overview(events, tl, ax=given) is given
    assert plt.get_fignums() == [fig.number]


def test_a_million_requests_stay_a_few_hundred_points():
    events = requests("2026-03-12T12:00Z", "2026-03-12T18:00Z", 1_000_000,
                      bad=("2026-03-12T14:00Z", "2026-03-12T15:00Z"))
    ax = plot_overview(events)
    assert len(ratio_line(ax).get_xdata()) <= 400
    assert len(ax.lines) + len(ax.collections) + len(ax.patches) < 20
    assert len(ax.right_ax.patches) == 1


def test_sparse_traffic_gets_wider_bins_so_the_ratio_is_not_all_or_nothing():
    events = requests("2026-03-12T12:00Z", "2026-03-12T18:00Z", 2000)
    x = ratio_line(plot_overview(events)).get_xdata()
    # Six hours would allow 1-minute bins (about 6 requests each); at least 20 a bin wins.
    assert np.diff(x).min() * 1440 == pytest.approx(5)


def test_markers_only_is_enough_to_chart():
    events = few("deploy", "deploys", [("2026-03-12T14:00Z", "checkout v2")],
                 service=["checkout"], version=["v2"])
    ax = plot_overview(events)
    assert len(scatter(ax, "deploy").get_offsets()) == 1
    assert any("no error ratio" in t.get_text() for t in ax.texts)


def test_the_bin_width_can_be_chosen(hour_incident):
    events, _ = hour_incident
    x = ratio_line(plot_overview(events, freq="10min")).get_xdata()
    assert np.diff(x) * 1440 == pytest.approx([10] * (len(x) - 1))


def test_the_timelines_impact_threshold_and_failure_rule_are_shown():
    index = pd.date_range("2026-03-12T14:00Z", periods=60, freq="1min")
    table = pd.DataFrame({"requests": 100, "failures": 1, "ratio": 0.01}, index=index)
    tl = timeline_for({}, error_ratio=table)
    # the SLI is typed: its rule and threshold are read, never parsed from a docstring
    rule = UserRule("requests", threshold=0.05, fn=lambda rows: rows["latency_ms"] > 2000)
    tl = replace(tl, sli=(rule,), baseline=Baseline(0.01, 0.0, 0.01, 0.9, None, None, "given"))
    ax = plot_overview(None, tl)
    (threshold,) = [ln for ln in ax.lines if ln.get_label().startswith("threshold")]
    assert threshold.get_ydata()[0] == 0.05
    assert threshold.get_label() == "threshold 5.0%"
    assert ratio_line(ax).get_label() == "error ratio (failures)"
