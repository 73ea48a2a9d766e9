"""``kubectl get events -o json`` (lists, watch streams, events.k8s.io/v1) as ``log`` events."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.formats import k8s_events
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog
from postmortem_kit.ingest.schema import finalize_events

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"
T = pd.Timestamp
COLS = ["timestamp", "level", "reason", "object", "service", "host", "component", "count"]


def _load(name: str) -> tuple[pd.DataFrame, RejectLog]:
    rejects = RejectLog()
    df = k8s_events.load(DATA / name, LoadContext(source="k8s", rejects=rejects))
    ev = finalize_events(df, source="k8s", kind="log")
    return ev.sort_values("timestamp", kind="stable", ignore_index=True), rejects


def _rows(ev: pd.DataFrame) -> list[list]:
    got = ev[COLS].astype(object)
    return got.where(got.notna(), None).values.tolist()


def test_event_list_with_time_fallbacks_levels_and_workloads():
    ev, _ = _load("k8s_events_list.json")
    assert _rows(ev) == [
        [T("2024-05-01T10:00:05Z"), "info", "ScalingReplicaSet", "Deployment/checkout",
         "checkout", None, "deployment-controller", 1],
        [T("2024-05-01T10:00:09Z"), "info", "Pulled", "Pod/checkout-7f9c6d5b8-x2kqp", "checkout",
         "node-a1", "kubelet", 1],
        # lastTimestamp null: eventTime, with its microseconds
        [T("2024-05-01T10:05:03.123456Z"), "warning", "Unhealthy", "Pod/postgres-0", "postgres",
         "node-a2", "kubelet", None],
        [T("2024-05-01T10:06:00Z"), "warning", "OOMKilling", "Node/node-a2", None, "node-a2",
         "kernel-monitor", 1],
        # every event time null: metadata.creationTimestamp; "-proxy" is not a pod suffix
        [T("2024-05-01T10:07:30Z"), "info", "Created", "Pod/nginx-proxy", "nginx-proxy",
         "node-b1", "kubelet", None],
        # a repeated event is one row at its last occurrence, count and first time kept
        [T("2024-05-01T10:09:40Z"), "warning", "BackOff", "Pod/checkout-7f9c6d5b8-x2kqp",
         "checkout", "node-a1", "kubelet", 7],
    ]
    assert ev["firstTimestamp"][5] == "2024-05-01T10:02:11Z"
    assert ev["namespace"].tolist() == ["shop", "shop", "db", "default", "edge", "shop"]
    assert ev["message"][0] == "Scaled up replica set checkout-7f9c6d5b8 to 1"
    assert ev["involvedObject.fieldPath"][1] == "spec.containers{checkout}"
    assert (ev["kind"] == "log").all()


def test_list_rejects_name_the_item():
    _, rejects = _load("k8s_events_list.json")
    assert [(r.line, r.reason) for r in rejects.items] == [
        (None, "items[6]: no time: lastTimestamp, series.lastObservedTime, "
               "deprecatedLastTimestamp, eventTime, firstTimestamp, metadata.creationTimestamp "
               "all empty or unreadable"),
        (None, "items[7]: not a Kubernetes Event (found Pod)"),
    ]


def test_watch_stream_of_pretty_objects_with_a_truncated_tail():
    ev, rejects = _load("k8s_events_watch.json")
    assert ev[["timestamp", "reason", "line", "count"]].values.tolist() == [
        [T("2024-05-01T09:01:31Z"), "Killing", 14, 1],  # +02:00 offset converted
        [T("2024-05-01T11:01:30Z"), "Unhealthy", 1, 3],
    ]
    assert [(r.line, r.reason) for r in rejects.items] == [
        (29, "invalid JSON: Unterminated string starting at (the rest of the file from here is "
             "not read)")]


def test_events_k8s_io_v1_series():
    ev, rejects = _load("k8s_events_v1.json")
    assert len(rejects) == 0
    assert _rows(ev) == [[T("2024-05-01T12:03:00.5Z"), "warning", "Failed",
                          "Pod/web-6d8f7b9c5-zz9tq", "web", "node-c3", "kubelet", 4]]
    assert ev["message"][0] == 'Failed to pull image "registry.example.com/web:v9": not found'


@pytest.mark.parametrize(("name", "rows"), [("k8s_events_list.json", 6),
                                            ("k8s_events_watch.json", 2),
                                            ("k8s_events_v1.json", 1)])
def test_auto_detection_picks_k8s_events(name, rows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        ev = read_events(DATA / name)
    assert len(ev) == rows and "reason" in ev and (ev["kind"] == "log").all()
