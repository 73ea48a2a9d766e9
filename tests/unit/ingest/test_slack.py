"""Slack channel exports (export root, channel folder, single JSON list) as ``chat`` events."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.formats import slack
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog
from postmortem_kit.ingest.schema import finalize_events

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"
EXPORT = DATA / "slack_export"
T = pd.Timestamp


def _load(path: Path) -> tuple[pd.DataFrame, RejectLog]:
    rejects = RejectLog()
    df = slack.load(path, LoadContext(source="slack", rejects=rejects))
    ev = finalize_events(df, source="slack", kind="chat")
    return ev.sort_values("timestamp", kind="stable", ignore_index=True), rejects


def test_export_root_loads_every_channel_with_exact_microseconds():
    ev, _ = _load(EXPORT)
    assert ev["timestamp"].tolist() == [
        T("2024-05-01T10:00:00.000123Z"), T("2024-05-01T10:01:30.002300Z"),
        T("2024-05-01T10:02:02.431900Z"), T("2024-05-01T10:03:00.000200Z"),
        T("2024-05-01T11:20:00.000001Z"), T("2024-05-01T23:59:30.999999Z"),
        T("2024-05-02T00:03:12.100000Z"),
    ]
    assert ev["channel"].tolist() == ["incident-db"] * 4 + ["general"] + ["incident-db"] * 2
    assert (ev["kind"] == "chat").all()
    assert ev["ts"][0] == "1714557600.000123"  # Slack's id kept as written


def test_users_subtypes_and_threads():
    ev, _ = _load(EXPORT)
    assert ev["user"].tolist() == ["Ana Lima", "Lee Park", "Lee Park", "Alertmanager", "Lee Park",
                                   "Ana Lima", "Ana Lima"]
    assert ev["user_id"].fillna("-").tolist() == ["U01ANA", "U02LEE", "U02LEE", "-", "U02LEE",
                                                  "U01ANA", "U01ANA"]
    assert ev["subtype"].fillna("-").tolist() == ["-", "channel_join", "-", "bot_message", "-",
                                                  "-", "thread_broadcast"]
    assert ev["is_reply"].tolist() == [False, False, True, False, False, False, True]
    assert ev["thread_ts"][0] == "1714557600.000123"
    assert ev["replies"][0] == '[{"user": "U02LEE", "ts": "1714557722.431900"}]'


def test_text_is_unescaped_and_markup_resolved():
    ev, _ = _load(EXPORT)
    assert ev["message"].tolist()[:4] == [
        "Replica pg-2 is lagging 94s & climbing, declaring an incident <SEV-3>",
        "@Lee Park has joined the channel",
        "@Ana Lima vacuum is blocking replay, see the lag dashboard "
        "(https://grafana.example.com/d/pg) cc @here",
        "[FIRING:1] PostgresReplicationLag (critical)",  # a bot post's attachment
    ]
    assert ev["text"][0].startswith("Replica pg-2 is lagging 94s &amp; climbing")  # raw kept


def test_bad_messages_are_rejected_with_file_and_json_path():
    _, rejects = _load(EXPORT)
    assert [(Path(r.file).relative_to(EXPORT).as_posix(), r.line, r.reason)
            for r in rejects.items] == [
        ("incident-db/2024-05-01.json", None, "[4]: ts missing or not a Slack timestamp: None")]


def test_channel_folder_and_single_file():
    ev, rejects = _load(EXPORT / "general")
    assert ev["message"].tolist() == ["lunch?"] and ev["user"].tolist() == ["Lee Park"]
    assert ev["channel"].tolist() == ["general"]
    ev, rejects = _load(DATA / "slack_history.json")
    assert ev["timestamp"].tolist() == [T("2024-05-01T10:00:01.5Z")]
    assert ev["message"].tolist() == ["deploying & watching"]
    assert ev["user"].tolist() == ["U09XYZ"]  # no profile anywhere: the id is all there is
    assert [r.reason for r in rejects.items] == [
        "[1]: ts missing or not a Slack timestamp: '17145576.01'"]


def test_sniff_needs_day_files_or_message_lists(tmp_path):
    assert slack.sniff(EXPORT, "") == 0.97
    assert slack.sniff(EXPORT / "incident-db", "") == 0.97
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "2024-05-01.json").write_text('[{"ts": "1714557600.000100"}]')
    # a folder holding a channel-like folder is not an export without channels/users.json
    assert slack.sniff(tmp_path, "") == 0.0
    assert slack.sniff(DATA / "x.json", '[{"time": "2024-05-01T10:00:00Z", "text": "x"}]') == 0.0


def test_read_events_auto_on_export_folder_and_bundled_incident():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        ev = read_events(EXPORT)
    assert len(ev) == 7 and len(ev.attrs["rejected"]) == 1
    chat = read_events(DATA.parents[1] / ".." / "data" / "incident" / "slack")
    assert len(chat.attrs["rejected"]) == 0
    hostile = chat[chat["message"].str.contains("<script>", regex=False)]
    assert hostile["user"].tolist() == ["Priya Nair"]
    assert chat["message"].str.contains("rolling back checkout").sum() == 1
