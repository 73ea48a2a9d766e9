"""Shared helpers of the JSON and CSV evidence formats: documents, times, flattening."""

from __future__ import annotations

import pandas as pd
import pytest

from postmortem_kit.ingest.documents.csv_exports import read_records, snake
from postmortem_kit.ingest.documents.items import flatten, keep_clear
from postmortem_kit.ingest.documents.read import read_documents
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog
from postmortem_kit.ingest.times import parse_time

T = pd.Timestamp


@pytest.mark.parametrize(("value", "expected"), [
    (1714557900, T("2024-05-01T10:05:00Z")),
    ("1714557900", T("2024-05-01T10:05:00Z")),
    (1714557900123, T("2024-05-01T10:05:00.123Z")),
    ("1714557900123456", T("2024-05-01T10:05:00.123456Z")),
    ("2024-05-01T12:05:00+02:00", T("2024-05-01T10:05:00Z")),
    ("2024-05-01 10:05:00", T("2024-05-01T10:05:00Z")),
    ("0001-01-01T00:00:00Z", None), ("", None), (None, None), ("soon", None), (True, None),
])
def test_parse_time_reads_iso_and_every_epoch_unit(value, expected):
    assert parse_time(value) == expected


def test_parse_time_reads_naive_text_in_the_given_zone():
    assert parse_time("2024-05-01 12:05:00", tz="Europe/Paris") == T("2024-05-01T10:05:00Z")


def test_flatten_keeps_lists_whole_and_empty_objects():
    assert flatten({"a": {"b": 1, "c": {"d": "x"}}, "l": [1, {"z": 2}], "e": {}}) == {
        "a.b": 1, "a.c.d": "x", "l": '[1, {"z": 2}]', "e": "{}"}


def test_keep_clear_renames_fields_that_clash_with_frame_columns():
    assert keep_clear({"kind": "Event", "source": "{}", "status": "ok", "reason": "x"}, "k8s") == {
        "k8s_kind": "Event", "k8s_source": "{}", "k8s_status": "ok", "reason": "x"}


def _ctx() -> LoadContext:
    return LoadContext(source="t", rejects=RejectLog())


def test_documents_whole_per_line_and_concatenated(tmp_path):
    whole = tmp_path / "whole.json"
    whole.write_text('\n\n{\n  "a": 1\n}\n')
    assert list(read_documents(whole, _ctx())) == [(3, {"a": 1}, False)]
    lines = tmp_path / "lines.jsonl"
    lines.write_text('{"a": 1}\n\n{"a": 2}\n')
    assert list(read_documents(lines, _ctx())) == [(1, {"a": 1}, True), (3, {"a": 2}, True)]
    stream = tmp_path / "stream.json"
    stream.write_text('{\n "a": 1\n}\n{\n "a": 2\n}\n')
    assert list(read_documents(stream, _ctx())) == [(1, {"a": 1}, True), (4, {"a": 2}, True)]


def test_broken_single_document_is_one_reject_at_its_line(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "a": 1,\n  "b": \n')
    ctx = _ctx()
    assert list(read_documents(broken, ctx)) == []
    assert [(r.line, r.reason.split(":")[0]) for r in ctx.rejects.items] == [(3, "invalid JSON")]


def test_csv_records_fold_header_spellings_and_report_the_first_line(tmp_path):
    assert snake("\ufeffFirst Acknowledged At") == "first_acknowledged_at"
    f = tmp_path / "x.csv"
    f.write_text('Created At;Title\n2024-05-01;"two\nlines"\n2024-05-02;one\n')
    assert list(read_records(f, _ctx())) == [
        (2, {"created_at": "2024-05-01", "title": "two\nlines"}),
        (4, {"created_at": "2024-05-02", "title": "one"}),
    ]
