"""Timeline phases, metric definitions and manual overrides."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_kit.errors import PostmortemKitError
from postmortem_kit.sample.suite import build
from postmortem_kit.timeline import Timeline, derive_timeline


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    return derive_timeline(build("sample_like").events, signatures=False)


def test_metrics_follow_the_design_definitions(timeline):
    t = timeline.phases["time"]
    m = timeline.metrics["value"]
    assert m["ttd"] == t["detected"] - t["started"] == pd.Timedelta("5min")
    assert m["tta"] == t["acknowledged"] - t["detected"] == pd.Timedelta("3min")
    assert m["ttm"] == t["mitigated"] - t["started"] == pd.Timedelta("28min")
    assert m["ttr"] == m["duration"] == t["resolved"] - t["started"] == pd.Timedelta("35min")
    assert timeline.metrics.at["ttd", "definition"] == "time to detect: detected − started"


def test_every_phase_names_its_evidence(timeline):
    phases = timeline.phases
    assert phases.at["started", "source"] == "access"
    assert phases.at["started", "line"] > 0
    assert phases.at["detected", "source"] == "alertmanager"
    assert phases.at["acknowledged", "note"] == "page acknowledged by Priya Raman"
    assert phases.at["mitigated", "source"] == "deploys"
    assert (phases["rule"].str.len() > 0).all()


def test_override_sets_a_phase_by_hand_and_metrics_follow(timeline):
    later = timeline.override(detected=pd.Timestamp("2026-05-04 10:15", tz="UTC"),
                              note="customer ticket predates the alert")
    assert later.phases.at["detected", "rule"] == "manual"
    assert later.phases.at["detected", "note"] == "customer ticket predates the alert"
    assert pd.isna(later.phases.at["detected", "source"])
    assert later.metrics.at["ttd", "value"] == pd.Timedelta("15min")
    assert later.metrics.at["tta", "value"] == pd.Timedelta("-7min")
    assert timeline.metrics.at["ttd", "value"] == pd.Timedelta("5min")  # original untouched


def test_override_to_none_makes_a_phase_missing(timeline):
    tl = timeline.override(acknowledged=None, note="nobody acknowledged")
    assert pd.isna(tl.metrics.at["tta", "value"])


def test_override_refuses_unknown_phases_and_naive_times(timeline):
    with pytest.raises(ValueError, match="unknown phase"):
        timeline.override(fixed="2026-05-04 10:00Z")
    with pytest.raises(ValueError, match="timezone-aware"):
        timeline.override(detected="2026-05-04 10:00")


def test_key_events_put_the_phase_evidence_first(timeline):
    top = timeline.key_events.head(12)
    kinds = set(top["kind"])
    assert {"deploy", "alert", "page", "phase"} <= kinds
    assert top.iloc[0]["event"] == "Rollback of checkout v1"
    assert "evidence of a phase" in top.iloc[0]["why"]


def test_conventions_are_side_by_side(timeline):
    conv = timeline.conventions.set_index(["convention", "metric"])["value"]
    assert conv["PagerDuty", "MTTA"] == pd.Timedelta("2min 48s")  # ack 10:08 − page 10:05:12
    assert conv["Datadog", "time to repair"] == pd.Timedelta("30min")  # 10:35 − 10:05
    assert conv["Google SRE", "outage duration"] == pd.Timedelta("35min")


def test_the_slis_used_are_typed_objects_with_label_unit_and_threshold(timeline):
    # sample_like: 5xx at 30% for 35 minutes; failures take 3 s, successes tens of ms
    error, latency = timeline.sli
    assert (error.name, error.unit, error.label) == ("error_ratio", "ratio",
                                                     "error ratio (5xx / requests)")
    assert 0 < error.threshold < 0.3
    assert (latency.name, latency.unit) == ("latency", "ms")
    assert latency.how.startswith("learnt: 4 x the median per-bin p99")


def test_a_latency_objective_sets_the_latency_threshold():
    events = build("sample_like").events
    slow = derive_timeline(events, signatures=False, slo_latency="200ms")
    (latency,) = [s for s in slow.sli if s.name == "latency"]
    assert latency.threshold == 200.0 and latency.how == "slo_latency"
    assert latency.rule == "slower than 200 ms"


def test_latency_objective_without_latencies_is_a_clear_error():
    events = build("sample_like").events.drop(columns="latency_ms")
    with pytest.raises(PostmortemKitError, match="needs request latencies"):
        derive_timeline(events, signatures=False, slo_latency="200ms")


# The sample_like scenario's phases, minutes after 09:00 UTC (its truth): started 60,
# detected 65, acknowledged 68, mitigated 88, resolved 95. Each override below moves one
# phase to a time written here, and every derived attribute must follow it.
MOVED = {"started": "2026-05-04 09:58", "detected": "2026-05-04 10:09",
         "acknowledged": "2026-05-04 10:12", "mitigated": "2026-05-04 10:30",
         "resolved": "2026-05-04 10:50"}


@pytest.mark.parametrize("phase", list(MOVED))
def test_override_recomputes_metrics_conventions_key_events_and_charts(timeline, phase):
    import matplotlib

    matplotlib.use("Agg")
    from postmortem_kit.plots import plot_overview, plot_phases, plot_timeline
    from tests.unit.plots.artists import num, phase_lines

    moved = pd.Timestamp(MOVED[phase], tz="UTC")
    tl = timeline.override(**{phase: moved})
    t = {name: tl.phases.at[name, "time"] for name in MOVED}
    assert t[phase] == moved
    # metrics: DESIGN's definitions, written out here
    expected = {"ttd": t["detected"] - t["started"], "tta": t["acknowledged"] - t["detected"],
                "ttm": t["mitigated"] - t["started"], "ttr": t["resolved"] - t["started"],
                "duration": t["resolved"] - t["started"]}
    assert tl.metrics["value"].to_dict() == expected
    # conventions: our own rows and the vendors' rows that use the phases
    conv = tl.conventions.set_index(["convention", "metric"])["value"]
    for name in ("ttd", "tta", "ttm", "ttr"):
        assert conv["postmortem-kit", name] == expected[name]
    assert conv["Google SRE", "time to detect"] == expected["ttd"]
    assert conv["Google SRE", "time to mitigate"] == expected["ttm"]
    assert conv["Google SRE", "outage duration"] == expected["ttr"]
    assert conv["Datadog", "time to repair"] == t["resolved"] - t["detected"]
    assert conv["PagerDuty", "MTTA"] == t["acknowledged"] - pd.Timestamp("2026-05-04 10:05:12",
                                                                          tz="UTC")
    # key events: a boundary phase's row moves with it; a manual phase is nobody's evidence
    rows = tl.key_events[tl.key_events["kind"] == "phase"]
    boundary = {"started": rows[rows["why"] == "phase started"]["time"].tolist(),
                "resolved": rows[rows["why"] == "phase resolved"]["time"].tolist()}
    if phase in boundary:
        assert boundary[phase] == [moved]
    was_evidence = timeline.phases.at[phase, "source"]
    if isinstance(was_evidence, str) and phase not in boundary:
        old = timeline.phases.at[phase, "time"]
        same = tl.key_events[(tl.key_events["source"] == was_evidence)
                             & (tl.key_events["time"] == old)]
        assert len(same) and not same["why"].str.contains("evidence of a phase").any()
    # charts: every chart draws the phase where the timeline now says
    drawn = []
    for plot in (plot_phases, plot_timeline, plot_overview):
        ax = plot(tl) if plot is plot_phases else plot(build("sample_like").events, tl)
        lines = phase_lines(ax)
        if phase in lines:
            assert lines[phase] == pytest.approx(num(moved), abs=1e-6), plot.__name__
            drawn.append(plot.__name__)
        matplotlib.pyplot.close(ax.figure)
    assert drawn, "no chart draws the phase as a line"
