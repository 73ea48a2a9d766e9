"""PagerDuty incident log entries and incidents CSV exports as ``page`` events."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.formats import pagerduty
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog
from postmortem_kit.ingest.schema import finalize_events

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"
T = pd.Timestamp


def _load(name: str) -> tuple[pd.DataFrame, RejectLog]:
    rejects = RejectLog()
    df = pagerduty.load(DATA / name, LoadContext(source="pd", rejects=rejects))
    return finalize_events(df, source="pd", kind="page").sort_values(
        "timestamp", kind="stable", ignore_index=True), rejects


def test_log_entries_become_states_in_time_order():
    ev, _ = _load("pagerduty_log_entries.json")
    assert ev["timestamp"].tolist() == [T("2024-05-01T10:02:38Z"), T("2024-05-01T10:02:40Z"),
                                        T("2024-05-01T10:09:58Z"), T("2024-05-01T10:17:45Z"),
                                        T("2024-05-01T10:31:40Z"), T("2024-05-01T10:58:12Z")]
    assert ev["state"].tolist() == ["triggered", "notified", "acknowledged", "escalated",
                                    "annotated", "resolved"]
    assert (ev["kind"] == "page").all()
    assert ev["service"].eq("Orders DB").all()


def test_user_is_who_acted_or_who_was_notified():
    ev, _ = _load("pagerduty_log_entries.json")
    # integration and escalation-policy agents are not people: no user
    assert ev["user"].fillna("-").tolist() == ["-", "Ana Lima", "Ana Lima", "-", "Ana Lima",
                                               "Ana Lima"]
    assert ev["agent.type"].tolist()[0] == "events_api_v2_inbound_integration_reference"


def test_messages_and_kept_fields():
    ev, _ = _load("pagerduty_log_entries.json")
    assert ev["message"].tolist() == [
        "Triggered through the API.", "Notified Ana Lima via SMS.", "Acknowledged by Ana Lima.",
        "Escalated to level 2 by the escalation policy.", "Note added: Failing over reads to pg-3",
        "Resolved by Ana Lima.",
    ]
    assert ev["incident.summary"].eq("[#1093] Replica pg-2 is 94s behind").all()
    assert ev["channel.notification.status"].tolist()[1] == "success"
    assert ev["teams"].tolist()[-1] == ('[{"id": "PQ9K7I8", "type": "team_reference", '
                                        '"summary": "Database"}]')
    assert ev["line"].isna().all()  # one JSON document: rows are located by json_path
    assert ev["json_path"].tolist() == ["log_entries[6]", "log_entries[4]", "log_entries[3]",
                                        "log_entries[2]", "log_entries[1]", "log_entries[0]"]


def test_log_entry_rejects_name_the_json_path():
    _, rejects = _load("pagerduty_log_entries.json")
    assert [(r.line, r.reason) for r in rejects.items] == [
        (None, "log_entries[5]: created_at missing or not a time: None"),
        (None, "log_entries[7]: not a PagerDuty log entry (found id, summary)"),
    ]


def test_incidents_csv_export_with_durations_only():
    ev, rejects = _load("pagerduty_incidents.csv")
    got = ev[["timestamp", "state", "user", "line", "message"]]
    assert got.astype(object).where(got.notna(), None).values.tolist() == [
        [T("2024-05-01T10:02:38Z"), "triggered", None, 2, "#1093 triggered: Replica pg-2 is 94s "
         "behind"],
        [T("2024-05-01T10:09:58Z"), "acknowledged", "Ana Lima", 2, "#1093 acknowledged: Replica "
         "pg-2 is 94s behind"],
        [T("2024-05-01T10:58:12Z"), "resolved", "Ana Lima", 2, "#1093 resolved: Replica pg-2 is "
         "94s behind"],
        [T("2024-05-01T17:48:10Z"), "triggered", None, 3, "#1094 triggered: Disk /var on node-7, "
         "filling up"],
        [T("2024-05-01T18:20:00Z"), "resolved", None, 3, "#1094 resolved: Disk /var on node-7, "
         "filling up"],
    ]
    assert "status" not in ev and ev["incident_status"].eq("resolved").all()
    assert ev["urgency"].tolist() == ["high", "high", "high", "low", "low"]
    assert ev["service"].tolist() == ["Orders DB"] * 3 + ["Platform"] * 2
    assert [(r.line, r.reason) for r in rejects.items] == [
        (4, "created_on missing or not a time: 'not a date'")]


def test_incidents_csv_from_the_web_ui_headers():
    ev, rejects = _load("pagerduty_incidents_ui.csv")
    assert ev[["timestamp", "state", "line"]].values.tolist() == [
        [T("2024-05-02T08:00:05Z"), "triggered", 2],
        [T("2024-05-02T08:03:10Z"), "acknowledged", 2],
        [T("2024-05-02T08:05:00Z"), "triggered", 4],
        [T("2024-05-02T08:41:00Z"), "resolved", 2],
    ]
    assert ev["message"][0] == "#2201 triggered: Checkout 5xx above 5%\n(multi-line title)"
    assert ev["user"][1] == "Dana Whitfield"
    assert [(r.line, r.reason) for r in rejects.items] == [
        (4, "acknowledged_at is not a time: 'soon' (the incident's other events are kept)")]


@pytest.mark.parametrize(("name", "rows"), [("pagerduty_log_entries.json", 6),
                                            ("pagerduty_incidents.csv", 5),
                                            ("pagerduty_incidents_ui.csv", 4)])
def test_auto_detection_picks_pagerduty(name, rows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        ev = read_events(DATA / name)
    assert len(ev) == rows and (ev["kind"] == "page").all()


def test_bundled_incident_page():
    ev = read_events(DATA.parents[1] / ".." / "data" / "incident" / "pagerduty.json")
    acks = ev[ev["state"] == "acknowledged"]
    assert acks["timestamp"].tolist() == [T("2026-03-12T14:13:41Z"), T("2026-03-12T14:21:02Z")]
    assert acks["user"].tolist() == ["Dana Whitfield", "Sam Okafor"]
    assert ev["state"].iloc[0] == "triggered" and len(ev.attrs["rejected"]) == 0
