"""The one rules module: which SLIs the evidence supports, their bad-event tests, and the
one rollback test that the phases, the key events and the charts share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from postmortem_kit.ingest.schema import concat_events, finalize_events
from postmortem_kit.plots.markers import classify_changes
from postmortem_kit.timeline.phases import mitigated
from postmortem_kit.timeline.rules import (
    ErrorRatio,
    Latency,
    failed_rows,
    is_rollback,
    supported_slis,
)
from tests.memory import traced_peak

T = pd.Timestamp("2026-05-04 10:00", tz="UTC")


def frame(rows, source="x"):
    return finalize_events(pd.DataFrame(rows), source=source)


def test_requests_with_latencies_support_the_error_ratio_and_the_latency():
    events = frame({"timestamp": [T], "kind": ["request"], "message": ["GET /"],
                    "status": [200], "latency_ms": [12.0]})
    assert supported_slis(events) == [ErrorRatio("requests"), Latency("requests")]
    assert supported_slis(events.drop(columns="latency_ms")) == [ErrorRatio("requests")]


def test_logs_alone_support_the_error_ratio_of_logs():
    events = frame({"timestamp": [T], "kind": ["log"], "message": ["boom"],
                    "level": ["error"]})
    (sli,) = supported_slis(events)
    assert sli == ErrorRatio("logs") and sli.label == "error ratio (error logs / logs)"
    assert sli.bad(events).tolist() == [True]


def test_metrics_named_after_an_sli_are_that_sli_in_their_unit():
    events = frame({"timestamp": [T, T, T], "kind": ["metric"] * 3,
                    "metric": ["error_ratio", "latency_p99", "latency_p95_ms"],
                    "value": [0.02, 1.5, 850.0], "message": ["a", "b", "c"]})
    slis = supported_slis(events)
    assert [(s.name, s.metric) for s in slis] == [
        ("error_ratio", "error_ratio"), ("latency", "latency_p95_ms"),
        ("latency", "latency_p99")]
    assert slis[2].quantile == 0.99 and slis[1].quantile == 0.95
    # Prometheus' seconds become milliseconds; a _ms metric is milliseconds already
    rows = events[slis[2].select(events)]
    assert slis[2].values(rows).tolist() == [1500.0]
    assert slis[1].values(events[slis[1].select(events)]).tolist() == [850.0]


def test_a_latency_sli_is_bad_above_its_threshold_only():
    sli = Latency("requests", threshold=2000.0)
    rows = pd.DataFrame({"latency_ms": [1999.0, 2000.0, 2001.0, float("nan")]})
    assert sli.bad(rows).tolist() == [False, False, True, False]
    assert sli.rule == "slower than 2 s" and sli.unit == "ms"


def test_one_rollback_rule_for_the_phases_and_the_charts():
    # a deploy tool that types everything "deploy" and says "roll back" only in the text
    changes = frame({"timestamp": [T, T + pd.Timedelta("10min")], "kind": ["deploy"] * 2,
                     "change_type": ["deploy", "deploy"], "service": ["api"] * 2,
                     "version": ["v1", "v3"],
                     "message": ["Roll back api to v1", "api v3: new pricing"]},
                    source="deploys")
    assert is_rollback(changes).tolist() == [True, False]
    groups = classify_changes(changes)
    assert groups["rollback"]["version"].tolist() == ["v1"]
    # the mitigation is the rollback, not the later deploy
    events = concat_events([changes])
    marker = mitigated(events, T - pd.Timedelta("5min"), T + pd.Timedelta("20min"))
    assert marker.time == T and marker.note == "deploy of api to v1"


def test_the_default_failure_test_copies_only_the_columns_it_reads():
    n = 100_000
    rng = np.random.default_rng(5)
    status = np.where(np.arange(n) % 50 == 0, 503, 200)
    level = np.where(np.arange(n) % 40 == 0, "error", "info")
    events = concat_events([
        frame({"timestamp": [T] * n, "kind": ["request"] * n, "message": ["GET /"] * n,
               "status": status, **{f"x{i}": rng.random(n) for i in range(40)}}, "access"),
        frame({"timestamp": [T] * n, "message": ["m"] * n, "level": level}, "app")])
    failed, peak = traced_peak(failed_rows, events)
    assert failed.sum() == n // 50 + n // 40
    # Before: a copy of every column of the requests (40 of them: 32 MB) and of the logs.
    # Now: the status and the level, and the masks (a few bytes a row).
    assert peak < 24 * len(events)
