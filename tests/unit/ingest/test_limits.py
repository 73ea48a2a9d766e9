"""The limits a load enforces: JSON nesting depth and plausible times (``ingest.limits``)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestError, IngestWarning, UsageError
from postmortem_kit.ingest import read_events

T = pd.Timestamp
GOOD = '{"ts": "2026-03-12T13:00:00Z", "msg": "ok"}'


def load(path: Path, fmt: str, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, format=fmt, **kw)


def reasons(ev: pd.DataFrame) -> dict:
    rejected = ev.attrs["rejected"]
    return dict(zip(rejected["line"].tolist(), rejected["reason"].tolist(), strict=True))


def nested(kind: str, depth: int) -> str:
    if kind == "arrays":
        return "[" * depth + "]" * depth
    return '{"a": ' * depth + "1" + "}" * depth


# -- JSONL: rejected before pyarrow or json sees it ----------------------------------------
@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_jsonl_line_nested_10000_deep_is_rejected_not_a_crash(tmp_path, kind):
    """In a child process: pyarrow segfaults on deep arrays, which would kill pytest."""
    path = tmp_path / "deep.jsonl"
    deep = '{"ts": "2026-03-12T13:00:01Z", "msg": "deep", "d": ' + nested(kind, 10_000) + "}"
    bad = '{"ts": "2026-03-12T13:00:02Z", "msg": "broken'  # sends its block to json.loads
    path.write_text("\n".join([GOOD, deep, GOOD, bad, GOOD]) + "\n", encoding="utf-8")
    code = textwrap.dedent(f"""
        import json, warnings
        from postmortem_kit.ingest import read_events
        warnings.simplefilter("ignore")
        ev = read_events({str(path)!r}, format="jsonl")
        r = ev.attrs["rejected"]
        print(json.dumps({{"lines": ev["line"].tolist(), "rejected": r["line"].tolist(),
                          "reasons": r["reason"].tolist()}}))
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, f"child died ({run.returncode}): {run.stderr[-2000:]}"
    out = json.loads(run.stdout)
    assert out["lines"] == [1, 3, 5]
    assert out["rejected"] == [2, 4]
    assert out["reasons"][0] == "nested deeper than 100 levels (max_depth=)"


@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_a_short_deep_line_among_thousands_is_rejected_alone(tmp_path, kind):
    """Short lines take Arrow first; the nesting of its types finds the deep one."""
    lines = [f'{{"ts": "2026-03-12T13:00:00Z", "msg": "n{i}", "d": [[1]]}}' for i in range(3000)]
    lines[1234] = '{"ts": "2026-03-12T13:00:00Z", "msg": "deep", "d": ' + nested(kind, 100) + "}"
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ev = load(path, "jsonl")
    assert len(ev) == 2999 and "deep" not in set(ev["message"])
    assert reasons(ev) == {1235: "nested deeper than 100 levels (max_depth=)"}


def test_max_depth_is_configurable(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join([
        '{"ts": "2026-03-12T13:00:00Z", "msg": "three", "d": [[1]]}',
        '{"ts": "2026-03-12T13:00:01Z", "msg": "four", "d": [[[1]]]}',
    ]) + "\n", encoding="utf-8")
    assert load(path, "jsonl")["message"].tolist() == ["three", "four"]
    ev = load(path, "jsonl", max_depth=3)
    assert ev["message"].tolist() == ["three"]
    assert reasons(ev) == {2: "nested deeper than 3 levels (max_depth=)"}
    with pytest.raises(UsageError):
        read_events(path, format="jsonl", max_depth=0)


# -- JSON documents -----------------------------------------------------------------------
DOCS = {
    "alertmanager": '{"alerts": [{"labels": {"alertname": "X"}, "startsAt": '
                    '"2026-03-12T13:00:00Z", "annotations": {"d": DEEP}}]}',
    "pagerduty": '{"log_entries": [{"type": "trigger_log_entry", "created_at": '
                 '"2026-03-12T13:00:00Z", "d": DEEP}]}',
    "slack": '[{"type": "message", "ts": "1773320400.000100", "text": "hi", "d": DEEP}]',
    "k8s-events": '{"kind": "EventList", "items": [{"reason": "X", "firstTimestamp": '
                  '"2026-03-12T13:00:00Z", "d": DEEP}]}',
    "deploys": '[{"deployed_at": "2026-03-12T13:00:00Z", "service": "a", "d": DEEP}]',
}


@pytest.mark.parametrize("fmt", sorted(DOCS))
@pytest.mark.parametrize("kind", ["arrays", "objects"])
def test_json_document_nested_100k_deep_is_a_clear_reject(tmp_path, fmt, kind):
    path = tmp_path / "doc.json"
    path.write_text(DOCS[fmt].replace("DEEP", nested(kind, 100_000)), encoding="utf-8")
    ev = load(path, fmt)
    assert len(ev) == 0
    assert list(ev.attrs["rejected"]["reason"]) == ["nested deeper than 100 levels (max_depth=)"]
    with pytest.raises(IngestError, match="nested deeper than 100 levels"):
        read_events(path, format=fmt, errors="raise")


def test_pretty_printed_deep_document_after_a_good_one(tmp_path):
    good = json.dumps({"alerts": [{"labels": {"alertname": "Good"},
                                   "startsAt": "2026-03-12T13:00:00Z"}]}, indent=2)
    deep = DOCS["alertmanager"].replace("DEEP", "[\n" * 5000 + "]\n" * 5000)
    path = tmp_path / "stream.json"
    path.write_text(good + "\n" + deep + "\n", encoding="utf-8")
    ev = load(path, "alertmanager")
    assert ev["alert"].tolist() == ["Good"]
    first_deep_line = good.count("\n") + 2
    assert reasons(ev) == {first_deep_line: "nested deeper than 100 levels (max_depth=)"}


def test_webhook_log_with_one_deep_line_keeps_the_others(tmp_path):
    ok = json.dumps({"alerts": [{"labels": {"alertname": "A"}, "status": "firing",
                                 "startsAt": "2026-03-12T13:00:00Z"}]})
    deep = DOCS["alertmanager"].replace("DEEP", nested("arrays", 20_000))
    path = tmp_path / "hooks.jsonl"
    path.write_text(ok + "\n" + deep + "\n" + ok.replace('"A"', '"B"') + "\n", encoding="utf-8")
    ev = load(path, "alertmanager")
    assert sorted(ev["alert"]) == ["A", "B"]
    assert reasons(ev) == {2: "nested deeper than 100 levels (max_depth=)"}


# -- plausible times ----------------------------------------------------------------------
@pytest.mark.parametrize("value", [
    "0001-01-01T00:00:00Z", -1, "-1", 0, "1970-01-01T00:00:01Z", "1989-12-31T23:59:59Z",
    "2199-01-01T00:00:00Z", 1e300, "99999999999999999999",
])
def test_implausible_times_are_rejected_with_the_value(tmp_path, value):
    path = tmp_path / "t.jsonl"
    path.write_text(GOOD + "\n" + json.dumps({"ts": value, "msg": "bad"}) + "\n",
                    encoding="utf-8")
    ev = load(path, "jsonl")
    assert ev["message"].tolist() == ["ok"]
    why = reasons(ev)[2]
    assert repr(value) in why or str(value) in why, why
    assert "'ts'" in why


def test_logfmt_epoch_minus_one_is_rejected(tmp_path):
    path = tmp_path / "n.logfmt"
    path.write_text("ts=-1 level=info msg=x\nts=2026-03-12T13:00:00Z level=info msg=y\n",
                    encoding="utf-8")
    ev = load(path, "logfmt")
    assert ev["message"].tolist() == ["y"]
    assert "'-1'" in reasons(ev)[1]


def test_valid_times_widens_and_narrows_the_window(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"ts": "1975-06-01T00:00:00Z", "msg": "old"}\n' + GOOD + "\n",
                    encoding="utf-8")
    assert load(path, "jsonl")["message"].tolist() == ["ok"]
    assert load(path, "jsonl", valid_times=("1970-01-01", None))["message"].tolist() == [
        "old", "ok"]
    # asking for 1975 with start= says 1975 is plausible
    assert load(path, "jsonl", start="1975-01-01")["message"].tolist() == ["old", "ok"]
    narrow = load(path, "jsonl", valid_times=("2026-03-12T13:30:00Z", "2026-03-13"))
    assert narrow.empty and len(narrow.attrs["rejected"]) == 2
    with pytest.raises(UsageError):
        read_events(path, format="jsonl", valid_times=("2026-01-01", "2025-01-01"))
    with pytest.raises(UsageError):
        read_events(path, format="jsonl", valid_times="1990")


# A line of 1970 and a plausible one, in each format whose loader checks times line by line
LINE_CHECKED = [
    ("access", '1.2.3.4 - - [01/Jan/1970:00:00:01 +0000] "GET / HTTP/1.1" 200 5',
     '1.2.3.4 - - [12/Mar/2026:13:00:00 +0000] "GET / HTTP/1.1" 200 5'),
    ("syslog", "<34>1 1970-01-01T00:00:01Z h app - - - old",
     "<34>1 2026-03-12T13:00:00Z h app - - - new"),
    ("text", "1970-01-01 00:00:01 INFO old", "2026-03-12 13:00:00 INFO new"),
]


@pytest.mark.parametrize(("fmt", "old", "new"), [
    *LINE_CHECKED,
    ("text", "0001-01-01 00:00:00 INFO zero", "2026-03-12 13:00:00 INFO new"),
    ("logfmt", "ts=1970-01-01T00:00:01Z msg=old", "ts=2026-03-12T13:00:00Z msg=new"),
    ("csv", "timestamp,message\n1970-01-01T00:00:01Z,old", "2026-03-12T13:00:00Z,new"),
])
def test_every_line_format_rejects_implausible_times(tmp_path, fmt, old, new):
    path = tmp_path / "f.log"
    path.write_text(old + "\n" + new + "\n", encoding="utf-8")
    ev = load(path, fmt)
    assert len(ev) == 1 and ev["timestamp"][0] == T("2026-03-12T13:00:00Z")
    (line, why), = reasons(ev).items()
    assert line == old.count("\n") + 1 and "outside the plausible range" in why


@pytest.mark.parametrize(("fmt", "old", "new"), LINE_CHECKED)
def test_the_line_formats_check_times_themselves_quoting_the_line(tmp_path, monkeypatch, fmt,
                                                                   old, new):
    """Their loaders reject an implausible time line by line, with the line's text; the
    reader's check of the loaded events (for the formats that do not) is not run again."""
    from postmortem_kit.ingest import reader
    from postmortem_kit.ingest.registry import FORMATS

    assert FORMATS[fmt].times_checked
    monkeypatch.setattr(reader, "reject_implausible",
                        lambda *a: pytest.fail("the events were checked a second time"))
    path = tmp_path / "f.log"
    path.write_text(old + "\n" + new + "\n", encoding="utf-8")
    ev = load(path, fmt)
    assert len(ev) == 1
    rejected = ev.attrs["rejected"]
    assert rejected["text"].tolist() == [old] and rejected["line"].tolist() == [1]
    assert "outside the plausible range" in rejected["reason"][0]


def test_json_document_formats_reject_implausible_times(tmp_path):
    path = tmp_path / "deploys.json"
    path.write_text(json.dumps([
        {"deployed_at": "1970-01-01T00:00:00Z", "service": "a", "version": "1"},
        {"deployed_at": "2026-03-12T13:00:00Z", "service": "b", "version": "2"},
    ]), encoding="utf-8")
    ev = load(path, "deploys")
    assert ev["service"].tolist() == ["b"]
    assert "outside the plausible range" in ev.attrs["rejected"]["reason"][0]


# -- syslog years -------------------------------------------------------------------------
def test_syslog_months_going_forward_stay_in_the_given_year(tmp_path):
    path = tmp_path / "messages"
    path.write_text("Mar 29 10:00:00 h app[1]: spring\nOct 25 10:00:00 h app[1]: autumn\n"
                    "Dec 31 23:00:00 h app[1]: eve\nJan  1 01:00:00 h app[1]: new year\n",
                    encoding="utf-8")
    ev = load(path, "syslog", year=2026)
    assert ev["timestamp"].tolist() == [T("2026-03-29T10:00:00Z"), T("2026-10-25T10:00:00Z"),
                                        T("2026-12-31T23:00:00Z"), T("2027-01-01T01:00:00Z")]
