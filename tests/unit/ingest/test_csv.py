"""The ``csv`` format: header, column mapping, multi-line fields, bad rows."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest import read_events

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"


def load(path, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, format="csv", **kw)


def test_datadog_export_with_a_mapping_and_a_multiline_message():
    ev = load(DATA / "datadog_export.csv", mapping={"Status": "level"})
    assert list(ev["level"]) == ["info", "error", "warning"]
    assert list(ev["service"]) == ["checkout", "checkout", "cart"]
    assert list(ev["host"]) == ["i-0a1b2c", "i-0a1b2c", "i-0d4e5f"]
    assert ev["message"][1] == "Payment failed:\n  upstream timeout after 30s"
    assert list(ev["line"]) == [2, 3, 5]  # a record's line is the one it starts on
    assert ev["timestamp"][2] == pd.Timestamp("2024-05-01T10:00:03Z")


def test_a_text_status_column_is_not_coerced_to_http_codes():
    ev = load(DATA / "datadog_export.csv")
    assert list(ev["Status"]) == ["info", "error", "warn"]
    assert "status" not in ev


def test_fields_spelling_is_the_reverse_of_mapping(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("When;What;Sev\n01/05/2024 10:00;disk full;CRIT\n")
    by_fields = load(path, fields={"timestamp": "When", "message": "What", "level": "Sev"})
    by_mapping = load(path, mapping={"When": "timestamp", "What": "message", "Sev": "level"})
    for ev in (by_fields, by_mapping):
        assert ev["message"][0] == "disk full"
        assert ev["level"][0] == "critical"
        assert ev["timestamp"][0] == pd.Timestamp("2024-01-05T10:00Z")


def test_rows_with_the_wrong_field_count_are_rejected_with_both_counts(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text(
        "timestamp,message,status\n"
        "2024-05-01T10:00:00Z,ok,200\n"
        "2024-05-01T10:00:01Z,too,many,fields\n"
        "2024-05-01T10:00:02Z\n"
        "not a time,x,500\n"
        "2024-05-01T10:00:03Z,\"fine, quoted\",503\n"
    )
    ev = load(path)
    assert list(ev["message"]) == ["ok", "fine, quoted"]
    assert list(ev["status"]) == [200, 503]
    rej = ev.attrs["rejected"]
    assert list(rej["line"]) == [3, 4, 5]
    assert list(rej["reason"]) == [
        "expected 3 fields (as the header), found 4",
        "expected 3 fields (as the header), found 1",
        "unparseable timestamp 'not a time' in 'timestamp'",
    ]
    assert rej["text"][0] == "2024-05-01T10:00:01Z,too,many,fields"


def test_numeric_columns_become_numbers_but_identifiers_keep_leading_zeros(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("time,message,bytes,ratio,zip\n"
                    "2024-05-01T10:00:00Z,a,10,0.5,01234\n"
                    "2024-05-01T10:00:01Z,b,20,,98101\n")
    ev = load(path)
    assert list(ev["bytes"]) == [10, 20]
    assert ev["ratio"][0] == 0.5 and pd.isna(ev["ratio"][1])
    assert list(ev["zip"]) == ["01234", "98101"]


def test_auto_detects_a_csv_file():
    ev = read_events(DATA / "datadog_export.csv")
    assert len(ev) == 3
