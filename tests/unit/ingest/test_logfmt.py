"""The ``logfmt`` format: Go kit / logrus lines and Heroku's router framing."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.records.pairs import parse_pairs

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"


def load(path, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, format="logfmt", **kw)


def test_go_kit_lines_with_quoted_and_escaped_values():
    ev = load(DATA / "gokit.logfmt")
    assert list(ev["message"]) == [
        "server started", 'slow query "SELECT * FROM orders"', "payment failed"]
    assert list(ev["level"]) == ["info", "warning", "error"]
    assert ev["timestamp"][2] == pd.Timestamp("2024-05-01T10:00:02.5Z")
    assert ev["err"][2] == "rpc error: code = DeadlineExceeded"
    assert ev["caller"][1] == "db.go:77"
    assert list(ev["line"]) == [1, 2, 3]


def test_heroku_router_framing_level_status_and_service_time_as_latency():
    ev = load(DATA / "heroku.log")
    assert list(ev["service"]) == ["heroku", "heroku", "app"]
    assert list(ev["dyno"]) == ["web.1", "web.2", "web.2"]
    assert list(ev["level"].astype("object").fillna("-")) == ["info", "error", "-"]
    assert list(ev["status"].astype("object").fillna(-1)) == [200, 503, -1]
    assert list(ev["latency_ms"].fillna(-1)) == [45.0, 30000.0, -1]
    assert ev["desc"][1] == "Request timeout"
    # a router line has no message field: the whole line is the message, nothing lost
    assert ev["message"][1].startswith("at=error code=H12 desc=\"Request timeout\"")
    assert ev["message"][2] == "Payment provider did not answer within 30s"
    assert ev["timestamp"][1] == pd.Timestamp("2024-05-01T10:00:30Z")


def test_lines_without_pairs_or_time_are_rejected_with_their_line(tmp_path):
    path = tmp_path / "app.logfmt"
    path.write_text(
        "ts=2024-05-01T10:00:00Z level=info msg=ok\n"
        "just some words\n"
        "\n"
        "level=info msg=\"no time here\"\n"
        "ts=2024-05-01T10:00:01Z level=info msg=\"also ok\"\n"
        "ts=someday level=info msg=x\n"
    )
    ev = load(path)
    assert list(ev["message"]) == ["ok", "also ok"]
    assert list(ev["line"]) == [1, 5]
    rej = ev.attrs["rejected"]
    assert list(rej["line"]) == [2, 4, 6]
    assert list(rej["reason"]) == [
        "not logfmt: no key=value pair", "no value for 'ts'",
        "unparseable timestamp 'someday' in 'ts'"]
    assert rej["text"][1] == 'level=info msg="no time here"'


def test_auto_detects_logfmt_over_text(tmp_path):
    path = tmp_path / "svc.log"
    path.write_text((DATA / "gokit.logfmt").read_text())
    ev = read_events(path)
    assert ev["caller"][0] == "main.go:42"


@pytest.mark.parametrize(
    ("line", "pairs"),
    [
        ("a=1 b=two", {"a": "1", "b": "two"}),
        ('msg="with \\"quotes\\" inside" empty=', {"msg": 'with "quotes" inside', "empty": ""}),
        ('path="/a b" x=y=z', {"path": "/a b", "x": "y=z"}),
        ("no pairs here", {}),
    ],
)
def test_parse_pairs(line, pairs):
    assert parse_pairs(line) == pairs
