"""Values inside records: a bad one rejects its line (or is kept aside), never the file;
a kept one is exactly what the source said."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.files import blocks

T = pd.Timestamp


def load(path: Path, fmt: str, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, format=fmt, **kw)


def jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def reasons(ev: pd.DataFrame) -> dict[int, str]:
    rejected = ev.attrs["rejected"]
    return dict(zip(rejected["line"].tolist(), rejected["reason"].tolist(), strict=True))


# -- timestamps: parsed or rejected on their own line -------------------------------------
def test_odd_timestamp_spellings_are_read_or_rejected_alone(tmp_path):
    path = jsonl(tmp_path / "t.jsonl", [
        {"ts": "2026-03-12T13:00:00Z", "msg": "plain"},
        {"ts": "2026-03-12T13:00:6-06", "msg": "one-digit second, hour-only offset"},
        {"ts": "2026-03-12T13:00:06-06", "msg": "hour-only offset"},
        {"ts": "2026-03-12T13:00:07", "msg": "naive"},
        {"ts": "not a time", "msg": "garbage"},
        {"ts": "13:00:08", "msg": "no date"},
        {"ts": "2026-03-12T13:00:09+05:30", "msg": "offset"},
    ])
    ev = load(path, "jsonl")
    got = dict(zip(ev["message"], ev["timestamp"], strict=True))
    assert got["plain"] == T("2026-03-12T13:00:00Z")
    assert got["hour-only offset"] == T("2026-03-12T19:00:06Z")
    assert got["naive"] == T("2026-03-12T13:00:07Z")
    assert got["offset"] == T("2026-03-12T07:30:09Z")
    # a sloppy second is read as written or rejected, never read as something else
    assert got.get("one-digit second, hour-only offset", T("2026-03-12T19:00:06Z")) == T(
        "2026-03-12T19:00:06Z")
    why = reasons(ev)
    assert "'ts'" in why[5] and "'not a time'" in why[5]
    assert "'13:00:08'" in why[6]  # today's date is not invented for it
    assert set(why) | set(ev["line"]) == set(range(1, 8))


def test_mixed_offsets_and_naive_times_in_one_block_do_not_abort(tmp_path):
    path = jsonl(tmp_path / "t.jsonl", [
        {"ts": "2026-03-12T13:00:00-06", "msg": "a"},
        {"ts": "2026-03-12T13:00:00", "msg": "b"},
        {"ts": 1773320400, "msg": "c"},
    ])
    ev = load(path, "jsonl", tz="Europe/Berlin")
    assert ev.set_index("message")["timestamp"].to_dict() == {
        "a": T("2026-03-12T19:00:00Z"), "b": T("2026-03-12T12:00:00Z"),
        "c": T("2026-03-12T13:00:00Z")}


# -- typed columns: an out-of-range value is kept aside, the row kept ---------------------
def test_status_outside_http_range_is_kept_raw_and_the_row_loaded(tmp_path):
    path = jsonl(tmp_path / "s.jsonl", [
        {"ts": f"2026-03-12T13:00:0{i}Z", "msg": str(i), "status": s}
        for i, s in enumerate([200, 99999, 503, -1, 700, 404.0, 200.5])
    ])
    ev = load(path, "jsonl")
    assert len(ev) == 7 and ev.attrs["rejected"].empty
    assert str(ev["status"].dtype) == "Int16"
    assert ev["status"].tolist() == [200, pd.NA, 503, pd.NA, pd.NA, 404, pd.NA]
    raw = ev["status_raw"]
    assert raw[1] == "99999" and raw[3] == "-1" and raw[4] == "700" and raw[6] == "200.5"
    assert raw[[0, 2, 5]].isna().all()


def test_latency_that_is_not_a_number_is_kept_raw(tmp_path):
    path = jsonl(tmp_path / "l.jsonl", [
        {"ts": "2026-03-12T13:00:00Z", "msg": "a", "latency_ms": 12.5},
        {"ts": "2026-03-12T13:00:01Z", "msg": "b", "latency_ms": "30ms"},
    ])
    ev = load(path, "jsonl")
    assert ev["latency_ms"].tolist()[0] == 12.5 and pd.isna(ev["latency_ms"][1])
    assert ev["latency_ms_raw"][1] == "30ms"


def test_fractional_numeric_levels_do_not_abort(tmp_path):
    path = jsonl(tmp_path / "v.jsonl", [
        {"ts": "2026-03-12T13:00:00Z", "msg": "a", "level": 30},
        {"ts": "2026-03-12T13:00:01Z", "msg": "b", "level": 3.5},
    ])
    ev = load(path, "jsonl")
    assert len(ev) == 2 and ev["level_raw"][1] == "3.5"


# -- integers stay integers ---------------------------------------------------------------
BIG = 1234567890123456789


def test_sparse_integer_column_stays_exact(tmp_path):
    path = jsonl(tmp_path / "i.jsonl", [
        {"ts": "2026-03-12T13:00:00Z", "msg": "a"},
        {"ts": "2026-03-12T13:00:01Z", "msg": "b", "id": BIG},
    ])
    ev = load(path, "jsonl")
    assert str(ev["id"].dtype) == "Int64"
    assert ev["id"].tolist() == [pd.NA, BIG]


def test_integers_stay_exact_across_blocks_with_and_without_the_key(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 4096)
    records = [{"ts": "2026-03-12T13:00:00Z", "msg": f"n{i}"} for i in range(300)]
    records[-1]["id"] = BIG  # the last block alone has the key
    records[0]["other"] = BIG + 1  # the first block alone has this one
    ev = load(jsonl(tmp_path / "b.jsonl", records), "jsonl")
    assert ev["id"].iloc[-1] == BIG and ev["id"].iloc[:-1].isna().all()
    assert ev["other"].iloc[0] == BIG + 1
    assert str(ev["id"].dtype) == "Int64" and str(ev["other"].dtype) == "Int64"


def test_integers_beyond_double_precision_mixed_with_floats_are_kept_as_written(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(
        '{"ts": "2026-03-12T13:00:00Z", "msg": "a", "v": 1234567890123456789}\n'
        '{"ts": "2026-03-12T13:00:01Z", "msg": "b", "v": 1.5}\n'
        '{"ts": "2026-03-12T13:00:02Z", "msg": "c", "w": 99999999999999999999}\n',
        encoding="utf-8")
    ev = load(path, "jsonl").set_index("message")
    assert str(ev.loc["a", "v"]) == "1234567890123456789"
    assert float(ev.loc["b", "v"]) == 1.5
    assert str(ev.loc["c", "w"]) == "99999999999999999999"


def test_csv_sparse_integer_column_stays_exact(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(f"timestamp,message,id\n2026-03-12T13:00:00Z,a,\n"
                    f"2026-03-12T13:00:01Z,b,{BIG}\n", encoding="utf-8")
    ev = load(path, "csv")
    assert ev["id"].tolist() == [pd.NA, BIG]


# -- logfmt quoting -----------------------------------------------------------------------
def test_logfmt_unterminated_quote_rejects_the_line(tmp_path):
    path = tmp_path / "q.logfmt"
    path.write_text('ts=2026-03-12T13:00:00Z level=info msg="fine"\n'
                    'ts=2026-03-12T13:00:01Z level=info msg="unterminated\n'
                    'ts=2026-03-12T13:00:02Z level=info msg="a \\"quoted\\" word"\n',
                    encoding="utf-8")
    ev = load(path, "logfmt")
    assert ev["message"].tolist() == ["fine", 'a "quoted" word']
    assert "quote" in reasons(ev)[2] and "msg" in reasons(ev)[2]


def test_logfmt_text_outside_pairs_is_kept_not_dropped(tmp_path):
    path = tmp_path / "w.logfmt"
    path.write_text('ts=2026-03-12T13:00:00Z level=info msg=disk full now sda=91%\n',
                    encoding="utf-8")
    ev = load(path, "logfmt")
    assert ev["message"][0] == "disk" and ev["sda"][0] == "91%"
    assert ev["extra"][0] == "full now"


def test_errors_raise_names_the_bad_value(tmp_path):
    path = jsonl(tmp_path / "r.jsonl", [{"ts": "yesterday-ish", "msg": "a"}])
    with pytest.raises(IngestError, match=r"yesterday-ish.* in .ts.") as info:
        read_events(path, format="jsonl", errors="raise")
    assert info.value.line == 1


# -- found by the fuzz (tests/unit/ingest/test_fuzz_read_events.py) ------------------------
@pytest.mark.parametrize(("value", "text"), [
    ([None, None], "[null, null]"), ([None, {}], "[null, {}]"),
    ([[None], [None, None]], "[[null], [null, null]]"), ([True, False], "[true, false]"),
])
def test_lists_of_nulls_and_empty_objects_keep_their_json(tmp_path, value, text):
    """pyarrow 26 builds lists of nulls or of empty objects with a short child array
    (garbage or an error); Python's reading of a list is not its JSON either."""
    path = jsonl(tmp_path / "n.jsonl", [{"ts": "2026-03-12T13:00:00Z", "msg": value}] * 3)
    assert load(path, "jsonl")["message"].tolist() == [text] * 3


def test_rows_spelling_time_or_message_another_usual_way_are_kept(tmp_path):
    path = jsonl(tmp_path / "s.jsonl", [
        {"ts": "2026-03-12T13:00:00Z", "message": "first"},
        {"time": "2026-03-12T13:00:01Z", "msg": ""},
    ])
    ev = load(path, "jsonl")
    assert ev["message"].tolist() == ["first", ""]
    assert ev["timestamp"].tolist() == [T("2026-03-12T13:00:00Z"), T("2026-03-12T13:00:01Z")]


def test_text_timestamp_glued_to_the_message_is_read(tmp_path):
    path = tmp_path / "g.log"
    path.write_text("2012-07-02 10:22:40,672:DEBUG:foo bar\n2014-10-08 16:56:38,344:WARN:baz\n",
                    encoding="utf-8")
    ev = load(path, "text")
    assert ev["message"].tolist() == ["foo bar", "baz"]
    assert ev["level"].tolist() == ["debug", "warning"]  # the level between colons is read
    assert ev["timestamp"][0] == T("2012-07-02T10:22:40.672Z")


def test_text_lines_after_an_unreadable_line_are_not_glued_to_the_record_above(tmp_path):
    path = tmp_path / "u.log"
    path.write_bytes(b"2026-03-12 13:00:00 INFO first\n"
                     b"2026-03-12 13:00:01 INFO caf\xe9 broken\n"
                     b"\tat its.stack.Trace(Trace.java:1)\n"
                     b"2026-03-12 13:00:02 INFO third\n")
    ev = load(path, "text")
    assert ev["message"].tolist() == ["first", "third"]
    assert reasons(ev) == {2: "invalid UTF-8 at byte 29 (0xe9)"}


def test_text_pattern_times_without_a_date_are_rejected_not_dated_today(tmp_path):
    path = tmp_path / "p.log"
    path.write_text("at 13:00:08 | first\nat Thu, 12 Mar 2026 13:00:09 +0100 | second\n",
                    encoding="utf-8")
    ev = load(path, "text", pattern=r"^at (?P<timestamp>.+?) \| (?P<message>.*)$",
              tz="Europe/Berlin")
    assert ev["message"].tolist() == ["second"]
    assert ev["timestamp"][0] == T("2026-03-12T12:00:09Z")
    assert list(reasons(ev)) == [1]
