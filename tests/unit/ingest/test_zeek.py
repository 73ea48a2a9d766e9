"""Zeek's TSV logs: the directives name the fields; http rows are requests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit import read_events
from postmortem_kit.errors import IngestWarning

HTTP = Path(__file__).resolve().parents[2] / "data" / "ingest" / "zeek" / "http.log"


def test_an_http_log_gives_requests_and_rejects_a_short_line():
    with pytest.warns(IngestWarning, match="http.log:11: expected 11 values"):
        events = read_events(HTTP)
    assert events.attrs["layouts"][str(HTTP)]["format"] == "zeek"
    assert list(events["timestamp"]) == [pd.Timestamp("2024-05-01T10:00:00.25Z"),
                                         pd.Timestamp("2024-05-01T10:00:01.5Z"),
                                         pd.Timestamp("2024-05-01T10:00:03.75Z")]
    assert list(events["line"]) == [9, 10, 12]
    assert list(events["kind"]) == ["request", "request", "log"]  # no method: a connection
    assert list(events["status"].astype("object")) == [200, 503, pd.NA]
    assert list(events["path"].iloc[:2]) == ["/api/cart", "/api/checkout"]
    assert list(events["client"].iloc[:2]) == ["10.0.0.7", "10.0.0.8"]
    assert events["user"].iloc[1] == "alice" and pd.isna(events["user"].iloc[0])
    assert list(events["service"]) == ["http"] * 3
    assert events["message"].iloc[0].startswith("CAbc1\t10.0.0.7")
    rejected = events.attrs["rejected"]
    assert list(rejected["line"]) == [11]
    assert rejected["reason"].iloc[0].startswith("expected 11 values")
