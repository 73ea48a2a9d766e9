"""derive_timeline against the generated scenario suite: every phase against its truth."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_kit.sample.suite import SCENARIOS, T0, build
from postmortem_kit.timeline import derive_timeline

ONE_BIN = pd.Timedelta("1min")


def _check_phases(name: str, seed: int):
    scenario = build(name, seed)
    tl = derive_timeline(scenario.events, signatures=False)
    tolerance = scenario.options.get("tolerance", {})
    for phase, want in scenario.truth.items():
        got = tl.phases.at[phase, "time"]
        if want is None:
            assert pd.isna(got), f"{name}/{seed}: {phase} should be missing, got {got}"
            assert isinstance(tl.phases.at[phase, "note"], str)  # and says why
            continue
        assert not pd.isna(got), f"{name}/{seed}: {phase} missing: {tl.phases.at[phase, 'note']}"
        allowed = ONE_BIN * tolerance.get(phase, 1)
        assert abs(got - want) <= allowed, f"{name}/{seed}: {phase} {got} vs truth {want}"
    return scenario, tl


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", [s for s in SCENARIOS if s != "long_burn"])
def test_phases_match_the_scenario_truth(name, seed):
    _check_phases(name, seed)


def test_three_day_burn_is_found_to_the_minute():
    _check_phases("long_burn", 0)


@pytest.mark.parametrize("name", ["sample_like", "two_bursts", "skewed_clock", "short_blip",
                                  "latency_only"])
def test_users_affected_match_the_truth_exactly(name):
    scenario, tl = _check_phases(name, 0)
    assert tl.impact["users_affected"] == scenario.users_affected


def test_no_incident_says_so_instead_of_inventing_one():
    _, tl = _check_phases("no_incident", 0)
    note = tl.phases.at["started", "note"]
    # names every SLI tried, so a reader knows what "no impact" was looked for in
    assert note.startswith("no impact found in error ratio (5xx / requests)")
    assert "p99 latency (requests)" in note
    assert tl.sli == ()
    assert tl.episodes.empty
    assert tl.metrics["value"].isna().all()


def test_two_bursts_are_two_episodes_and_the_last_change_mitigates():
    _, tl = _check_phases("two_bursts", 0)
    assert len(tl.episodes) == 2
    assert tl.phases.at["mitigated", "note"] == "config of checkout to pool-size=64"


def test_detection_before_impact_is_kept_and_flagged():
    _, tl = _check_phases("detection_before_impact", 0)
    assert tl.metrics.at["ttd", "value"] == pd.Timedelta("-2min")
    assert "before the impact start" in tl.phases.at["detected", "note"]


def test_without_alerts_detection_falls_back_to_chat():
    _, tl = _check_phases("no_alert_source", 0)
    assert tl.phases.at["detected", "rule"].startswith("fallback: first chat message")
    assert "support-anna" in tl.phases.at["detected", "note"]
    assert tl.phases.at["acknowledged", "note"] == "no page acknowledgement after detection"


def test_skewed_clock_is_estimated_and_corrected():
    scenario, tl = _check_phases("skewed_clock", 0)
    assert tl.clock_offsets == {"access": pd.Timedelta("-4min")}
    trusting = derive_timeline(scenario.events, signatures=False, clock_offsets=None)
    assert trusting.phases.at["started", "time"] - scenario.truth["started"] == \
        pd.Timedelta("4min")


def test_slow_burn_is_found_although_it_never_crosses_five_percent():
    _, tl = _check_phases("slow_burn", 0)
    # what a naive "5xx ratio above 5% over 5 minutes" alert sees: never above it
    five_minutes = tl.error_ratio[["requests", "failures"]].rolling(5).sum()
    assert (five_minutes["failures"] / five_minutes["requests"]).max() < 0.05


def test_a_latency_incident_without_errors_is_found_in_the_latency_sli():
    scenario, tl = _check_phases("latency_only", 0)
    assert [s.label for s in tl.sli] == ["p99 latency (requests)"]
    assert tl.phases.at["started", "note"].startswith("p99 latency (requests) leaves its")
    assert tl.phases.at["resolved", "note"].startswith("p99 latency (requests) back at")
    # users affected = users with at least one request slower than the threshold
    assert tl.impact["users_affected"] == scenario.users_affected
    assert tl.impact["failed_requests"] == 0 and tl.impact["slow_requests"] > 0
    # every successful request takes tens of ms; the slowed ones 3 to 8 s
    assert 200 < tl.sli[0].threshold < 3000


def test_response_evidence_gives_phases_when_no_sli_shows_impact():
    # the latency incident seen through the error ratio alone: no impact to find, but the
    # alert, the page, its acknowledgement and the rollback are still the story
    scenario = build("latency_only", 0)
    tl = derive_timeline(scenario.events, signatures=False, sli=("error_ratio",))
    phases = tl.phases
    assert pd.isna(phases.at["started", "time"])
    assert phases.at["started", "note"].startswith(
        "no impact found in error ratio (5xx / requests)")
    minutes = {p: (phases.at[p, "time"] - T0) / pd.Timedelta("1min")
               for p in ("detected", "acknowledged", "mitigated", "resolved")}
    # the scenario's evidence: alert 64, page acknowledged 67, rollback 95, alert resolved
    # 104 and page resolved 105, the last of them (suite.py, latency_only)
    assert minutes == {"detected": 64, "acknowledged": 67, "mitigated": 95, "resolved": 105}
    assert phases.at["detected", "note"] == "alert PaymentsHighLatency firing"
    assert phases.at["mitigated", "note"] == "rollback of payments to v2"
    assert "no impact found" in phases.at["resolved", "rule"]


def test_metrics_alone_are_evidence_enough_for_a_full_timeline():
    scenario, tl = _check_phases("metrics_only", 0)
    assert not set(scenario.events["kind"].astype(str)) & {"request", "log"}
    assert "error ratio (metric error_ratio)" in [s.label for s in tl.sli]
    assert "metric error_ratio" in tl.phases.at["started", "note"] or \
        "metric latency_p99" in tl.phases.at["started", "note"]
    assert pd.isna(tl.impact["users_affected"])  # samples carry no users
    assert tl.error_ratio["ratio"].max() > 0.2  # the 30 % of failures, as sampled
