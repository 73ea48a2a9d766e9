"""The sample incident generator and the bundled copy in data/incident.

Truth is checked against the files with plain regexes and the csv/json modules, never with
the generator's own code, so a generator that wrote one thing and claimed another fails.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from postmortem_kit.sample import evidence_paths, generate_incident

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "data" / "incident"
ACCESS = re.compile(r'^\S+ - (\S+) \[([^\]]+)\] "(\S+) (\S+) [^"]*" (\d{3}) ')
FILES = ["access.log", "alertmanager.jsonl", "app.jsonl", "deploys.csv", "pagerduty.json",
         "slack/2026-03-12.json", "syslog.log", "truth.json"]


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def truth() -> dict:
    return json.loads((BUNDLED / "truth.json").read_text())


@pytest.fixture(scope="module")
def access() -> list[tuple[str, datetime, str, str, int]]:
    rows = []
    with open(BUNDLED / "access.log", encoding="utf-8") as fh:
        for line in fh:
            m = ACCESS.match(line)
            assert m, line
            user, when, method, path, status = m.groups()
            rows.append((user, datetime.strptime(when, "%d/%b/%Y:%H:%M:%S %z"), method, path,
                         int(status)))
    return rows


def test_same_seed_gives_identical_bytes_and_bundled_copy_is_current(tmp_path):
    a = generate_incident(tmp_path / "a", seed=7)
    generate_incident(tmp_path / "b", seed=7)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
        # data/incident/README.md documents exactly this call.
        assert (tmp_path / "a" / name).read_bytes() == (BUNDLED / name).read_bytes(), name
    assert a["seed"] == 7 and a["scale"] == 1.0


def test_another_seed_changes_traffic_not_the_story(tmp_path):
    t8 = generate_incident(tmp_path / "s8", seed=8)
    t7 = json.loads((BUNDLED / "truth.json").read_text())
    assert (tmp_path / "s8" / "access.log").read_bytes() != (BUNDLED / "access.log").read_bytes()
    assert t8["phases"] == t7["phases"]


def test_scale_multiplies_traffic(tmp_path, truth):
    small = generate_incident(tmp_path / "small", seed=7, scale=0.25)
    lines = (tmp_path / "small" / "access.log").read_bytes().count(b"\n")
    assert lines == small["files"]["access.log"]
    assert 0.2 < lines / truth["files"]["access.log"] < 0.3


def test_bundled_copy_is_small_and_complete():
    sizes = {n: (BUNDLED / n).stat().st_size for n in FILES}
    assert all(sizes.values())
    assert sum(sizes.values()) < 6_000_000
    assert (BUNDLED / "README.md").is_file()


def test_phases_are_in_story_order(truth):
    p = {k: _t(v) for k, v in truth["phases"].items()}
    assert p["started"] < p["detected"] < p["acknowledged"] < p["mitigated"] < p["resolved"]
    assert (p["started"] - _t(truth["evidence_start"])).total_seconds() >= 3600  # baseline hour


def test_5xx_concentrate_in_the_impact_window(access, truth):
    start, end = _t(truth["impact_start"]), _t(truth["impact_end"])
    inside = [r for r in access if start <= r[1] < end]
    outside = [r for r in access if not start <= r[1] < end]
    rate_in = sum(r[4] >= 500 for r in inside) / len(inside)
    rate_out = sum(r[4] >= 500 for r in outside) / len(outside)
    assert rate_in > 0.05
    assert rate_in > 20 * rate_out
    # the failures are on checkout, the endpoint the bad deploy broke
    failing_paths = {r[3] for r in inside if r[4] >= 500}
    assert "/api/checkout" in failing_paths
    on_checkout = sum(r[4] >= 500 and r[3] == "/api/checkout" for r in inside)
    assert on_checkout / sum(r[4] >= 500 for r in inside) > 0.9


def test_every_impact_minute_fails_and_no_baseline_minute_looks_like_it(access, truth):
    start, end = _t(truth["impact_start"]), _t(truth["impact_end"])
    per_min: dict[datetime, list[int]] = {}
    for r in access:
        per_min.setdefault(r[1].replace(second=0), []).append(r[4] >= 500)
    for minute, fails in per_min.items():
        ratio = sum(fails) / len(fails)
        if start <= minute < end:
            assert ratio >= 0.04, minute
        else:
            assert ratio < 0.03, minute


def test_request_counts_and_users_affected_match_the_access_log(access, truth):
    start, end = _t(truth["impact_start"]), _t(truth["impact_end"])
    window = [r for r in access if start <= r[1] < end]
    failed = [r for r in window if r[4] >= 500]
    assert len(window) == truth["total_requests"]
    assert len(failed) == truth["failed_requests"]
    assert all(r[0] != "-" for r in failed)  # every failure names its user
    assert len({r[0] for r in failed}) == truth["users_affected"]
    assert len({r[0] for r in window if r[0] != "-"}) == truth["users_active"]


def test_app_errors_name_only_users_whose_requests_failed(access, truth):
    start, end = _t(truth["impact_start"]), _t(truth["impact_end"])
    failed_users = {r[0] for r in access if start <= r[1] < end and r[4] >= 500}
    seen_keyerror = []
    with open(BUNDLED / "app.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            t = _t(rec["ts"])
            if rec["level"] == "error" and "user_id" in rec and start <= t < end:
                assert rec["user_id"] in failed_users
            if "KeyError: 'currency'" in rec["msg"]:
                seen_keyerror.append(t)
    assert seen_keyerror and min(seen_keyerror) >= _t(truth["bad_deploy"]["time"])
    assert min(seen_keyerror) >= _t(truth["impact_start"])


def test_rollback_in_deploys_is_the_mitigation(truth):
    with open(BUNDLED / "deploys.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rollbacks = [r for r in rows if r["type"] == "rollback"]
    assert len(rollbacks) == 1
    assert _t(rollbacks[0]["deployed_at"]) == _t(truth["phases"]["mitigated"])
    assert rollbacks[0]["service"] == truth["mitigation"]["service"] == "checkout"
    bad = [r for r in rows
           if r["version"] == truth["bad_deploy"]["version"] and r["type"] == "deploy"]
    assert _t(bad[0]["deployed_at"]) < _t(truth["phases"]["started"])


def test_first_alert_after_impact_start_is_detected(truth):
    starts = []
    for line in (BUNDLED / "alertmanager.jsonl").read_text().splitlines():
        for alert in json.loads(line)["alerts"]:
            starts.append((_t(alert["startsAt"]), alert["labels"]["alertname"]))
    after = sorted(s for s in starts if s[0] >= _t(truth["impact_start"]))
    assert after[0][0] == _t(truth["phases"]["detected"])
    assert after[0][1] == truth["first_alert"]["alert"]
    assert min(starts)[0] < _t(truth["impact_start"])  # an unrelated baseline alert exists


def test_page_acknowledgement_and_resolution(truth):
    entries = json.loads((BUNDLED / "pagerduty.json").read_text())["log_entries"]
    acks = sorted(_t(e["created_at"]) for e in entries if e["type"] == "acknowledge_log_entry")
    assert acks[0] == _t(truth["phases"]["acknowledged"])
    trig = [_t(e["created_at"]) for e in entries if e["type"] == "trigger_log_entry"]
    assert trig == [_t(truth["page"]["triggered"])]
    assert trig[0] >= _t(truth["phases"]["detected"])


def test_hostile_text_is_planted(truth):
    app = (BUNDLED / "app.jsonl").read_text(encoding="utf-8")
    for needle in ("<script>alert(1)</script>", "</td>", "{{ 7*7 }}", "| pipe |", "**bold**",
                   "שלום"):
        assert needle in app, needle
    chat = json.loads((BUNDLED / "slack" / "2026-03-12.json").read_text(encoding="utf-8"))
    # Slack escapes <, > and & in stored text
    assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in m["text"] for m in chat)


def test_read_events_loads_every_file_without_rejects():
    from postmortem_kit.ingest.registry import FORMATS

    needed = {"jsonl", "access", "syslog", "alertmanager", "pagerduty", "deploys", "slack"}
    if needed - set(FORMATS):
        pytest.skip(f"formats not written yet: {sorted(needed - set(FORMATS))}")
    from postmortem_kit.ingest import read_events

    # The evidence only: truth.json and README.md sit beside it but are not evidence.
    evidence = evidence_paths(BUNDLED)
    assert sorted(p.name for p in evidence) == ["access.log", "alertmanager.jsonl", "app.jsonl",
                                                "deploys.csv", "pagerduty.json", "slack",
                                                "syslog.log"]
    events = read_events(evidence, year=2026)
    assert len(events.attrs["rejected"]) == 0
    kinds = {source: sorted(set(k))
             for source, k in events.groupby("source", observed=True)["kind"]}
    assert kinds == {
        "access": ["request"], "alertmanager": ["alert"], "app": ["log"],
        "deploys": ["change", "deploy"], "pagerduty": ["page"], "slack": ["chat"],
        "syslog": ["log"],
    }
    truth = json.loads((BUNDLED / "truth.json").read_text())
    counts = events["source"].value_counts()
    assert counts["access"] == truth["files"]["access.log"]
    assert counts["app"] == truth["files"]["app.jsonl"]
    assert counts["syslog"] == truth["files"]["syslog.log"]


def test_log_files_are_in_time_order_inside_the_evidence_window(access, truth):
    lo, hi = _t(truth["evidence_start"]), _t(truth["evidence_end"])
    times = [r[1] for r in access]
    assert times == sorted(times) and lo <= times[0] and times[-1] < hi
    with open(BUNDLED / "app.jsonl", encoding="utf-8") as fh:
        app = [_t(json.loads(line)["ts"]) for line in fh]
    assert app == sorted(app) and lo <= app[0] and app[-1] < hi
    stamps = [line[line.index(">") + 1:][:15] for line in
              (BUNDLED / "syslog.log").read_text(encoding="utf-8").splitlines()]
    parsed = [datetime.strptime(f"2026 {s}", "%Y %b %d %H:%M:%S") for s in stamps]
    assert parsed == sorted(parsed)
    assert parsed[0] >= lo.replace(tzinfo=None) and parsed[-1] < hi.replace(tzinfo=None)


def test_read_events_frame_agrees_with_truth_on_the_impact_window(truth):
    from postmortem_kit.ingest.registry import FORMATS

    if "access" not in FORMATS:
        pytest.skip("the access format is not written yet")
    from postmortem_kit.ingest import read_events

    requests = read_events(BUNDLED / "access.log")
    start, end = _t(truth["impact_start"]), _t(truth["impact_end"])
    window = requests[(requests["timestamp"] >= start) & (requests["timestamp"] < end)]
    failed = window[window["status"] >= 500]
    assert len(window) == truth["total_requests"]
    assert len(failed) == truth["failed_requests"]
    assert failed["user"].nunique() == truth["users_affected"]
