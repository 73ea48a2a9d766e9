"""One rule for times across the formats: an offset (``Z``, ``z``, ``+02``, ``+0200``,
``+02:00``) is read the same everywhere, and so is a wall time in a clock change's hours.

Each case loads the same instant written the way one format writes times, with
``tz="Europe/Paris"`` so that a time read as naive (its offset missed) lands two hours
off. The rules themselves live in ``ingest/times.py``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.schema import finalize_events

PARIS = "Europe/Paris"


def _alerts(t: str) -> str:
    return json.dumps([{"startsAt": t, "endsAt": "0001-01-01T00:00:00Z",
                        "labels": {"alertname": "HighErrorRate"}, "status": {"state": "active"}}])


# format -> (file name, the file's text with the time written as ``{t}``)
WRITERS = {
    "jsonl": ("app.jsonl", lambda t: json.dumps({"ts": t, "level": "info", "msg": "hi"}) + "\n"),
    "logfmt": ("app.logfmt", lambda t: f"ts={t} level=info msg=hi\n"),
    "csv": ("app.csv", lambda t: f"timestamp,message\n{t},hi\n"),
    "text": ("app.log", lambda t: f"{t.replace('T', ' ')} INFO checkout.api - hi\n"),
    "syslog": ("messages", lambda t: f"<165>1 {t} web-1 app 1234 ID47 - hi\n"),
    "alertmanager": ("alerts.json", _alerts),
    "deploys": ("deploys.csv", lambda t: f"deployed_at,service,version,type\n{t},api,v2,deploy\n"),
}


def load(tmp_path: Path, fmt: str, when: str, **kw) -> pd.DataFrame:
    name, text = WRITERS[fmt]
    path = tmp_path / name
    path.write_text(text(when), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        events = read_events(path, format=fmt, tz=PARIS, **kw)
    assert not len(events.attrs["rejected"]), events.attrs["rejected"]
    return events


@pytest.mark.parametrize("fmt", sorted(WRITERS))
@pytest.mark.parametrize("written", ["2024-05-01T10:00:00z", "2024-05-01T10:00:00Z",
                                     "2024-05-01T12:00:00+02:00", "2024-05-01T12:00:00+0200",
                                     "2024-05-01T12:00:00+02"])
def test_every_format_reads_every_offset_spelling_alike(tmp_path, fmt, written):
    # RFC 3339 allows a lower-case "z"; ISO 8601 the hours alone
    events = load(tmp_path, fmt, written)
    assert list(events["timestamp"]) == [pd.Timestamp("2024-05-01T10:00:00Z")]


@pytest.mark.parametrize("written", ["2024-05-01T10:00:00z", "2024-05-01T12:00:00+02"])
def test_finalize_events_reads_every_offset_spelling(written):
    # a plug-in format may hand over its times as text
    events = finalize_events(pd.DataFrame({"timestamp": [written], "message": ["hi"]}),
                             source="plugin", tz=PARIS)
    assert list(events["timestamp"]) == [pd.Timestamp("2024-05-01T10:00:00Z")]


def test_start_and_end_read_a_lower_case_z_as_utc(tmp_path):
    events = load(tmp_path, "jsonl", "2024-05-01T10:00:00Z",
                  start="2024-05-01T10:00:00z", end="2024-05-01T10:00:00z")
    assert len(events) == 1


# 02:30 on 2024-10-27 happened twice in Paris (clocks went back at 03:00 CEST): first at
# 00:30 UTC. 02:30 on 2024-03-31 never happened (clocks jumped from 02:00 to 03:00 CET,
# 01:00 UTC): it is read as the moment of the jump.
@pytest.mark.parametrize("fmt", ["jsonl", "logfmt", "csv", "text", "deploys"])
@pytest.mark.parametrize(("wall", "utc"), [("2024-10-27T02:30:00", "2024-10-27T00:30:00Z"),
                                           ("2024-03-31T02:30:00", "2024-03-31T01:00:00Z")])
def test_every_format_reads_a_clock_change_hour_alike(tmp_path, fmt, wall, utc):
    events = load(tmp_path, fmt, wall)
    assert list(events["timestamp"]) == [pd.Timestamp(utc)]


@pytest.mark.parametrize(("wall", "utc"), [("Oct 27 02:30:00", "2024-10-27T00:30:00Z"),
                                           ("Mar 31 02:30:00", "2024-03-31T01:00:00Z")])
def test_syslog_reads_a_clock_change_hour_like_the_others(tmp_path, wall, utc):
    path = tmp_path / "messages"
    path.write_text(f"{wall} web-1 sshd[42]: accepted\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        events = read_events(path, format="syslog", tz=PARIS, year=2024)
    assert not len(events.attrs["rejected"])
    assert list(events["timestamp"]) == [pd.Timestamp(utc)]


def test_finalize_events_reads_a_repeated_hour_as_its_first_occurrence():
    naive = pd.Series(pd.to_datetime(["2024-10-27 02:30:00"]))
    events = finalize_events(pd.DataFrame({"timestamp": naive, "message": ["hi"]}),
                             source="plugin", tz=PARIS)
    assert list(events["timestamp"]) == [pd.Timestamp("2024-10-27T00:30:00Z")]


def test_a_fraction_past_microseconds_beside_other_spellings_is_cut_not_a_failure(tmp_path):
    # naive and aware values in one block take the value-by-value path, where pandas
    # answers in nanoseconds for seven digits; the load used to fail on the whole file
    path = tmp_path / "app.jsonl"
    path.write_text('{"ts": "2024-05-01T10:00:00", "msg": "a"}\n'
                    '{"ts": "2024-05-01T12:05:00.1234567+02:00", "msg": "b"}\n'
                    '{"ts": "2024-05-01T10:06:00.9999999z", "msg": "c"}\n', encoding="utf-8")
    events = read_events(path, format="jsonl")
    assert list(events["timestamp"]) == [pd.Timestamp("2024-05-01T10:00:00Z"),
                                         pd.Timestamp("2024-05-01T10:05:00.123456Z"),
                                         pd.Timestamp("2024-05-01T10:06:00.999999Z")]
