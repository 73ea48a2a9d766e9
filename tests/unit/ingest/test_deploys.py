"""Deploy and change lists (CSV, JSON, JSON lines) as ``deploy`` and ``change`` events."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.formats import deploys
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog
from postmortem_kit.ingest.schema import finalize_events

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"
T = pd.Timestamp
COLS = ["timestamp", "kind", "change_type", "service", "version", "author", "line", "message"]


def _load(name: str) -> tuple[pd.DataFrame, RejectLog]:
    rejects = RejectLog()
    df = deploys.load(DATA / name, LoadContext(source="changes", rejects=rejects))
    ev = finalize_events(df, source="changes", kind="deploy")
    return ev.sort_values("timestamp", kind="stable", ignore_index=True), rejects


def _rows(ev: pd.DataFrame) -> list[list]:
    got = ev[COLS].astype(object)
    return got.where(got.notna(), None).values.tolist()


def test_tool_export_with_other_header_spellings():
    ev, rejects = _load("deploys_tool_export.csv")
    assert _rows(ev) == [
        [T("2024-05-01T09:40:00Z"), "deploy", "deploy", "orders-api", "2024.05.01-1", "ci-bot", 2,
         "Nightly release, batch 1"],
        [T("2024-05-01T10:05:30Z"), "change", "config", "orders-api", "2024.05.01-2", "ana.lima",
         3, 'Raise replica pool, see "OPS-118"'],
        [T("2024-05-01T10:12:00Z"), "change", "flag", "orders-api", None, "ana.lima", 4,
         "read_from_replica=false"],
        [T("2024-05-01T10:20:00Z"), "change", "migration", "orders-db", None, "ana.lima", 5,
         "Add index on orders(created_at)"],
        [T("2024-05-01T10:33:00Z"), "deploy", "rollback", "orders-api", "2024.04.30-7",
         "ana.lima", 8, "back to last good"],
    ]
    assert ev["user"].tolist() == ev["author"].tolist()
    # the export's status is not an HTTP status: kept under its own name
    assert "status" not in ev and ev["deploy_status"].eq("Succeeded").all()
    assert [(r.line, r.reason) for r in rejects.items] == [
        (6, "time='yesterday-ish' is not a time"), (7, "8 fields but the header has 7")]


def test_json_document_with_epoch_offsets_nested_fields_and_rollback_from_text():
    ev, rejects = _load("deploys_argo.json")
    assert _rows(ev) == [
        [T("2024-05-01T09:58:00Z"), "deploy", "deploy", "checkout", "v3.1.0", "ci-bot", None,
         "Deploy checkout v3.1.0"],
        [T("2024-05-01T10:05:00Z"), "deploy", "deploy", "checkout", "v3.1.1", "lee", None,
         "Hotfix for currency rounding"],
        [T("2024-05-01T10:25:00Z"), "deploy", "rollback", "checkout", "v3.0.9", "lee", None,
         "Rolling back to v3.0.9"],
    ]
    assert ev["git.sha"].tolist()[0] == "9f8e7d6"
    assert ev["deploy_source"].eq("argo-cd").all()
    assert ev["source"].eq("changes").all()  # the source field did not replace the source name
    assert ev["json_path"].tolist() == ["changes[0]", "changes[1]", "changes[2]"]
    assert [(r.line, r.reason) for r in rejects.items] == [
        (None, "changes[3]: no time field (looked for timestamp, time, deployed_at, "
               "deploy_time, deployed, date, ...)"),
        (None, "changes[4]: not a change record (a str)"),
    ]


def test_json_lines_with_a_broken_line():
    ev, rejects = _load("deploys.jsonl")
    assert _rows(ev) == [
        [T("2024-05-01T10:00:00Z"), "change", "flag", "search", "r812", "kim", 1, "search r812"],
        [T("2024-05-01T10:09:00Z"), "deploy", "rollback", "search", "r811", "kim", 3,
         "rollback search r811"],
    ]
    assert ev["flag.name"][0] == "new_ranker"
    assert [r.line for r in rejects.items] == [2]
    assert rejects.items[0].reason.startswith("invalid JSON: Unterminated string")


def test_bundled_incident_changes():
    ev = read_events(DATA.parents[1] / ".." / "data" / "incident" / "deploys.csv")
    assert ev["change_type"].tolist() == ["deploy", "deploy", "config", "rollback", "flag"]
    assert ev["kind"].astype(str).tolist() == ["deploy", "deploy", "change", "deploy", "change"]
    rollback = ev[ev["change_type"] == "rollback"].iloc[0]
    assert rollback["timestamp"] == T("2026-03-12T14:38:05Z")
    assert (rollback["version"], rollback["author"]) == ("v2.13.2", "dana.whitfield")


@pytest.mark.parametrize(("name", "rows"), [("deploys_tool_export.csv", 5),
                                            ("deploys_argo.json", 3), ("deploys.jsonl", 2)])
def test_auto_detection_picks_deploys(name, rows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        ev = read_events(DATA / name)
    assert len(ev) == rows and "change_type" in ev


def test_sniff_ignores_app_logs_and_plain_csv():
    app = '{"ts":"2024-05-01T10:00:00Z","level":"info","service":"api","version":"1.2","msg":"x"}\n'
    assert deploys.sniff(Path("app.jsonl"), app * 3) == 0
    metrics = "time,service,version,p99_ms\n2024-05-01T10:00:00Z,api,1.2,340\n"
    assert deploys.sniff(Path("latency.csv"), metrics) == 0
