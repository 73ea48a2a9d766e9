"""The bundled sample incident end to end: evidence files → read_events → derive_timeline,
checked against the generator's truth.json (written by construction, not derived)."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from postmortem_kit.ingest import read_events
from postmortem_kit.paths import data_dir
from postmortem_kit.sample import evidence_paths
from postmortem_kit.timeline import derive_timeline

ONE_BIN = pd.Timedelta("1min")


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((data_dir() / "incident" / "truth.json").read_text())


@pytest.fixture(scope="module")
def timeline():
    events = read_events(evidence_paths(), year=2026)
    assert len(events.attrs["rejected"]) == 0
    return derive_timeline(events)


@pytest.mark.parametrize("phase", ["started", "detected", "acknowledged", "mitigated",
                                   "resolved"])
def test_every_phase_is_within_one_bin_of_the_truth(timeline, truth, phase):
    want = pd.Timestamp(truth["phases"][phase])
    got = timeline.phases.at[phase, "time"]
    assert abs(got - want) <= ONE_BIN, f"{phase}: {got} vs {want}"


def test_users_affected_match_exactly(timeline, truth):
    assert timeline.impact["users_affected"] == truth["users_affected"]
    assert timeline.impact["failed_requests"] == truth["failed_requests"]
    assert timeline.impact["total_requests"] == truth["total_requests"]


def test_the_latency_sli_shows_the_impact_and_finds_the_same_users(timeline, truth):
    # failing checkouts time out (the p99 alert fires on them); the ones that succeed
    # stay fast: a latency SLI adds no user the error ratio did not already count
    assert [s.name for s in timeline.sli] == ["error_ratio", "latency"]
    latency = timeline.sli[1]
    assert latency.threshold > truth["latency"]["slowest_success_in_impact_ms"]
    assert timeline.impact["slow_requests"] >= truth["latency"]["failures_slower_than_2s"]


def test_phases_point_at_their_evidence(timeline, truth):
    phases = timeline.phases
    assert phases.at["detected", "note"] == f"alert {truth['first_alert']['alert']} firing"
    assert phases.at["acknowledged", "note"] == \
        f"page acknowledged by {truth['page']['acknowledged_by']}"
    assert phases.at["mitigated", "note"] == (
        f"rollback of {truth['mitigation']['service']} to {truth['mitigation']['version']}")
    assert phases.at["started", "source"] == "access" and phases.at["started", "line"] > 0


def test_new_error_signatures_lead_the_symptoms(timeline, truth):
    new = timeline.signatures[timeline.signatures["count_before"] == 0]
    assert len(new) >= 2
    found = " ".join(new["example"].astype(str))
    assert "KeyError: 'currency'" in found


def test_the_timeline_command_prints_phases_metrics_and_key_events():
    files = [str(p) for p in evidence_paths()]
    result = subprocess.run([sys.executable, "-m", "postmortem_kit", "timeline", *files,
                             "--year", "2026", "--json"], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["phases"]["mitigated"]["source"] == "deploys"
    assert data["metrics"]["ttd"]["definition"] == "time to detect: detected − started"
    assert data["metrics"]["ttr"]["seconds"] == 37 * 60
    assert data["impact"]["users_affected"] == 303
    assert [s["label"] for s in data["sli"]] == ["error ratio (5xx / requests)",
                                                 "p99 latency (requests)"]
    assert len(data["key_events"]) == 12
