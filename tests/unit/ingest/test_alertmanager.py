"""Alertmanager webhook payloads and v2 alert lists: one event per firing and per resolution."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.formats import alertmanager
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog
from postmortem_kit.ingest.schema import finalize_events

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"


def _load(name: str) -> tuple[pd.DataFrame, RejectLog]:
    rejects = RejectLog()
    df = alertmanager.load(DATA / name, LoadContext(source="am", rejects=rejects))
    return finalize_events(df, source="am", kind="alert").sort_values(
        "timestamp", kind="stable", ignore_index=True), rejects


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def _as_text(frame: pd.DataFrame) -> list[list[str]]:
    """Rows as text, times in one spelling (``astype(str)`` of a time differs by pandas
    version: 3.0 writes ``.417000``, 3.1 ``.417``)."""
    text = frame.astype(str)
    text["timestamp"] = frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S.%f%z")
    return text.values.tolist()


def test_webhook_repeats_are_one_firing_and_resolutions_are_timed_at_ends_at():
    ev, _ = _load("alertmanager_webhooks.jsonl")
    got = ev[["timestamp", "alert", "state", "level", "service", "line", "notifications"]]
    assert _as_text(got) == [
        ["2024-05-01 10:02:13.417000+0000", "PostgresReplicationLag", "firing", "critical",
         "postgres", "1", "3"],
        ["2024-05-01 10:06:43.417000+0000", "PostgresReplicationLag", "firing", "critical",
         "orders-db", "2", "3"],
        ["2024-05-01 10:31:58.417000+0000", "PostgresReplicationLag", "resolved", "critical",
         "postgres", "3", "1"],
        ["2024-05-01 10:44:28.417000+0000", "PostgresReplicationLag", "resolved", "critical",
         "orders-db", "7", "1"],
    ]
    assert (ev["kind"] == "alert").all()
    assert ev["message"].tolist() == [
        "PostgresReplicationLag firing: Replica pg-2 is 94s behind",
        "PostgresReplicationLag firing: Replication lag above 60s for 5m.",
        "PostgresReplicationLag resolved: Replica pg-2 is 94s behind",
        "PostgresReplicationLag resolved: Replication lag above 60s for 5m.",
    ]


def test_labels_and_annotations_are_kept_as_flattened_columns():
    ev, _ = _load("alertmanager_webhooks.jsonl")
    assert ev["labels.instance"].tolist() == ["pg-2:9187", "pg-3:9187", "pg-2:9187", "pg-3:9187"]
    assert ev["labels.service"].isna().tolist() == [True, False, True, False]
    assert ev["annotations.description"].eq("Replication lag above 60s for 5m.").all()
    assert ev["fingerprint"].tolist()[:2] == ["a1b2c3d4e5f60718", "0f1e2d3c4b5a6978"]
    assert ev["endsAt"].tolist()[0] == "0001-01-01T00:00:00Z"  # as the first payload said
    assert ev["receiver"].eq("team-db-pager").all()
    assert ev["json_path"].tolist() == ["alerts[0]", "alerts[1]", "alerts[0]", "alerts[0]"]


def test_bad_records_are_rejected_with_line_and_json_path():
    _, rejects = _load("alertmanager_webhooks.jsonl")
    got = [(r.line, r.reason) for r in rejects.items]
    assert [g[0] for g in got] == [3, 4, 5]
    assert got[0][1] == "alerts[2]: startsAt missing or not a time: ''"
    assert got[1][1].startswith("invalid JSON: ")
    assert got[2][1].startswith("$: not an Alertmanager webhook payload or alert list (found "
                                "message, level")


def test_single_pretty_printed_payload_with_offsets():
    ev, rejects = _load("alertmanager_webhook.json")
    assert len(rejects) == 0
    assert ev["timestamp"].tolist() == [_ts("2024-05-01T07:15:00Z"), _ts("2024-05-01T07:40:30Z")]
    assert ev["state"].tolist() == ["firing", "resolved"]
    assert ev["service"].tolist() == ["web-api", "web-api"]  # app label wins over container
    assert ev["level"].astype(str).tolist() == ["warning", "warning"]
    assert ev["labels.pod"].tolist() == ["api-6d8f7b9c5-x2kqp"] * 2
    assert ev["message"][0] == "KubePodCrashLooping firing: Pod is crash looping."


def test_v2_api_list_yields_firing_events_only():
    ev, rejects = _load("alertmanager_v2_alerts.json")
    assert _as_text(ev[["timestamp", "alert", "state"]]) == [
        ["2024-04-28 00:00:10.055000+0000", "Watchdog", "firing"],
        ["2024-05-01 10:48:10.055000+0000", "NodeFilesystemFillingUp", "firing"],
    ]
    assert ev["status.state"].tolist() == ["suppressed", "active"]
    assert ev["status.silencedBy"][0] == '["3f1c8a52-7d0e-4b8e-9a11-2f6e5c4d3b21"]'
    assert ev["updatedAt"].tolist() == ["2024-05-01T11:16:40.058Z"] * 2
    # "none" is not a level: kept as level_raw, level NA
    assert ev["level"].isna().tolist() == [True, False]
    assert ev["level_raw"][0] == "none"
    assert ev["service"].tolist()[1] == "node-exporter"
    assert [(r.line, r.reason) for r in rejects.items] == [
        (None, "[2]: startsAt missing or not a time: 'yesterday'")]


@pytest.mark.parametrize(("name", "rows", "rejected"), [
    ("alertmanager_webhooks.jsonl", 4, 3), ("alertmanager_webhook.json", 2, 0),
    ("alertmanager_v2_alerts.json", 2, 1)])
def test_auto_detection_picks_alertmanager(name, rows, rejected):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)  # the rejects are counted below
        ev = read_events(DATA / name)
    assert len(ev) == rows and (ev["kind"] == "alert").all()
    assert len(ev.attrs["rejected"]) == rejected


def test_bundled_incident_alerts():
    ev = read_events(DATA.parents[1] / ".." / "data" / "incident" / "alertmanager.jsonl")
    firing = ev[ev["state"] == "firing"]
    assert firing["alert"].tolist() == ["InventoryCacheRefreshSlow", "HighErrorRate",
                                        "CheckoutLatencyHigh", "PaymentsDBPoolExhausted"]
    assert len(ev) == 8 and len(ev.attrs["rejected"]) == 0


def test_sniff_rejects_other_json():
    assert alertmanager.sniff(Path("x.jsonl"), '{"ts": "2024-05-01T10:00:00Z", "msg": "hi"}\n') == 0
    assert alertmanager.sniff(Path("x.json"), '[{"ts": "1714557600.000100", "text": "hi"}]') == 0
