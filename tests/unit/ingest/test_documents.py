"""The JSON-documents pipeline: documents read from a file, items taken or rejected,
flattening; and the CSV exports read the same way."""

from __future__ import annotations

from postmortem_kit.ingest.documents.csv_exports import read_records, snake
from postmortem_kit.ingest.documents.items import flatten, items_of, keep_clear, take_items
from postmortem_kit.ingest.documents.read import read_documents
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.rejects import RejectLog


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


def test_take_items_locates_rows_and_rejects_by_json_path(tmp_path):
    lines = tmp_path / "payloads.jsonl"
    lines.write_text('{"alerts": [{"t": 1}, {"x": 2}]}\n[{"t": 3}]\n{"t": 4}\n')
    ctx = _ctx()

    def take(item, doc):
        if "t" not in item:
            return [], "no t"
        # an item may give rows and still be rejected in part
        return [{"t": item["t"]}], ("t is odd" if item["t"] == 3 else None)

    rows = take_items(lines, ctx, lambda doc: items_of(doc, "alerts"), take)
    assert rows == [{"t": 1, "json_path": "alerts[0]", "line": 1},
                    {"t": 3, "json_path": "[0]", "line": 2},
                    {"t": 4, "json_path": "$", "line": 3}]
    assert [(r.line, r.reason, r.text) for r in ctx.rejects.items] == [
        (1, "alerts[1]: no t", '{"x": 2}'), (2, "[0]: t is odd", '{"t": 3}')]


def test_take_items_rows_of_a_whole_file_document_have_no_line(tmp_path):
    whole = tmp_path / "list.json"
    whole.write_text('[\n {"t": 2},\n {"t": 1}\n]\n')
    rows = take_items(whole, _ctx(), items_of, lambda item, doc: ([dict(item)], None),
                      arrange=lambda taken: taken[::-1])
    assert rows == [{"t": 1, "json_path": "[1]", "line": None},
                    {"t": 2, "json_path": "[0]", "line": None}]
