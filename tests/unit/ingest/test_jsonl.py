"""The ``jsonl`` format: real-world field names, drift, "no accepted line dropped or altered"."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.files import blocks

DATA = Path(__file__).resolve().parents[2] / "data" / "ingest"


def load(path, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, format="jsonl", **kw)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4 KiB, so a few thousand lines cross many block boundaries."""
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 4096)


def test_zap_epoch_seconds_logger_and_caller():
    ev = load(DATA / "zap.jsonl")
    assert list(ev["message"]) == ["starting server", "retrying payment call", "payment failed",
                                   "nil cart"]
    assert ev["timestamp"][0] == pd.Timestamp("2024-05-01T10:00:00.123456Z")
    assert ev["timestamp"][1] == pd.Timestamp("2024-05-01T10:00:01.5Z")
    assert list(ev["level"]) == ["info", "warning", "error", "critical"]  # zap's dpanic
    assert set(ev["service"]) == {"checkout"}
    assert ev["caller"][2] == "checkout/handler.go:88"
    assert ev["stacktrace"][2].startswith("main.handler\n\t/app/checkout/handler.go:88")
    assert list(ev["line"]) == [1, 2, 3, 4]


def test_bunyan_numeric_levels_and_nested_error():
    ev = load(DATA / "bunyan.jsonl")
    assert list(ev["level"]) == ["info", "warning", "error", "critical"]
    assert list(ev["host"]) == ["web-1", "web-1", "web-2", "web-2"]
    assert ev["err.message"][2] == "ECONNREFUSED"
    assert ev["err.stack"][2] == "Error: connect ECONNREFUSED 10.0.0.7:5432"
    assert ev["timestamp"][1] == pd.Timestamp("2024-05-01T10:00:01.250Z")


def test_ecs_dotted_and_nested_keys_and_offsets():
    ev = load(DATA / "ecs.jsonl")
    assert list(ev["service"]) == ["cart", "checkout"]
    assert list(ev["level"]) == ["info", "error"]
    # +02:00 in the data wins over tz=
    assert ev["timestamp"][1] == pd.Timestamp("2024-05-01T10:00:01.5Z")
    assert list(ev["status"]) == [200, 503]
    assert list(ev["method"]) == ["GET", "POST"]
    assert list(ev["path"]) == ["/api/cart", "/api/checkout"]
    assert ev["trace_id"][0] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert ev["ecs.version"][0] == "1.6.0"


def test_structlog_event_key_is_the_message_and_hostile_text_is_kept():
    ev = load(DATA / "structlog.jsonl")
    assert ev["message"][2] == "<script>alert(1)</script> in username"
    assert list(ev["service"]) == ["auth"] * 3
    # user_id is a string, then a number: the column loads, values spelled as written
    assert list(ev["user"]) == ["u-17", "u-17", "42"]
    assert ev["exc_info"][1].endswith("KeyError: 'exp'")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1714557600, "2024-05-01T10:00:00Z"),
        (1714557600123, "2024-05-01T10:00:00.123Z"),
        (1714557600123456, "2024-05-01T10:00:00.123456Z"),
        (1714557600123456789, "2024-05-01T10:00:00.123456Z"),
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00Z"),
        ("2024-05-01T15:30:00+05:30", "2024-05-01T10:00:00Z"),
        ("2024-05-01T10:00:00.123456789Z", "2024-05-01T10:00:00.123456Z"),
        ("2024-05-01 10:00:00", "2024-05-01T10:00:00Z"),
    ],
)
def test_epoch_units_and_iso_spellings(tmp_path, value, expected):
    path = write_lines(tmp_path / "t.jsonl", [json.dumps({"time": value, "msg": "x"})])
    assert load(path)["timestamp"][0] == pd.Timestamp(expected)


def test_naive_times_read_in_tz_and_offsets_win(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [
        '{"time": "2024-05-01T12:00:00", "msg": "naive"}',
        '{"time": "2024-05-01T12:00:00Z", "msg": "utc"}',
        '{"time": "2024-05-01T12:00:00-04:00", "msg": "offset"}',
    ])
    ev = load(path, tz="Europe/Paris").set_index("message")["timestamp"]
    assert ev["naive"] == pd.Timestamp("2024-05-01T10:00:00Z")
    assert ev["utc"] == pd.Timestamp("2024-05-01T12:00:00Z")
    assert ev["offset"] == pd.Timestamp("2024-05-01T16:00:00Z")


def test_key_first_seen_on_line_30000_is_kept(tmp_path):
    lines = [json.dumps({"ts": 1714557600 + i, "msg": f"m{i}"}) for i in range(40_000)]
    for i in range(29_999, 40_000):
        lines[i] = json.dumps({"ts": 1714557600 + i, "msg": f"m{i}", "region": "eu-west-1"})
    ev = load(write_lines(tmp_path / "late.jsonl", lines))
    assert len(ev) == 40_000
    assert ev["region"].notna().sum() == 10_001
    assert ev.loc[ev["line"] == 30_000, "region"].item() == "eu-west-1"
    assert ev["region"].iloc[:29_999].isna().all()


def test_type_change_mid_file_loads_every_line(tmp_path, small_blocks):
    lines = [json.dumps({"ts": 1714557600 + i, "msg": f"m{i}", "user": f"u{i}"})
             for i in range(3_000)]
    lines += [json.dumps({"ts": 1714560600 + i, "msg": f"n{i}", "user": i}) for i in range(3_000)]
    ev = load(write_lines(tmp_path / "drift.jsonl", lines))
    assert len(ev) == 6_000
    assert ev.attrs["rejected"].empty
    assert ev["user"].iloc[0] == "u0"
    assert ev["user"].iloc[3_001] == "1"


def test_malformed_lines_rejected_alone_and_every_good_line_kept_unaltered(tmp_path, small_blocks):
    n = 5_000
    expected = {i + 1: f"message {i} with \"quotes\" and ünïcode" for i in range(n)}
    lines = [json.dumps({"ts": f"2024-05-01T10:00:{i % 60:02d}Z", "msg": m}, ensure_ascii=False)
             for i, m in enumerate(expected.values())]
    bad = {
        7: ('{"ts": "2024-05-01T10:00:00Z", "msg": "cut', "malformed JSON"),
        1_234: ("[1, 2, 3]", "expected a JSON object, found an array"),
        2_500: ('{"ts": "2024-05-01T10:00:00Z"}{"ts": "2024-05-01T10:00:01Z"}', "malformed JSON"),
        4_999: ('{"ts": "yesterday-ish", "msg": "x"}', "unparseable timestamp 'yesterday-ish'"),
        5_000: ('{"msg": "no time at all"}', "no value for 'ts'"),
    }
    for number, (text, _) in bad.items():
        lines[number - 1] = text
        del expected[number]
    lines.insert(100, "")  # a blank line is not a record, and shifts the numbers after it
    expected = {(k + 1 if k > 100 else k): v for k, v in expected.items()}
    bad = {(k + 1 if k > 100 else k): v for k, v in bad.items()}

    ev = load(write_lines(tmp_path / "mixed.jsonl", lines))
    rej = ev.attrs["rejected"]
    assert len(ev) == n - len(bad)
    assert len(ev) + len(rej) == len(lines) - 1  # every non-blank line accounted for
    assert dict(zip(ev["line"], ev["message"], strict=True)) == expected
    assert list(rej["line"]) == sorted(bad)
    for number, (text, reason) in bad.items():
        row = rej.loc[rej["line"] == number].iloc[0]
        assert row["reason"].startswith(reason)
        assert row["text"] == text


def test_invalid_utf8_and_nul_lines_rejected_and_neighbours_untouched(tmp_path):
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(
        b'{"ts": 1714557600, "msg": "before"}\n'
        b'{"ts": 1714557601, "msg": "caf\xe9"}\n'
        b'{"ts": 1714557602, "msg": "nul\x00here"}\n'
        b'{"ts": 1714557603, "msg": "after \xc3\xa9"}\n'
    )
    ev = load(path)
    assert list(ev["message"]) == ["before", "after é"]
    rej = ev.attrs["rejected"]
    assert list(rej["line"]) == [2, 3]
    assert rej["reason"][0] == "invalid UTF-8 at byte 31 (0xe9)"
    assert rej["reason"][1].startswith("NUL byte at column 31")


def test_fields_override_and_unknown_field_error(tmp_path):
    path = write_lines(tmp_path / "gcp.jsonl", [
        '{"eventTime": "2024-05-01T10:00:00Z", "textPayload": "OOMKilled", "sev": "ERROR",'
        ' "message": "not this one"}',
    ])
    ev = load(path, fields={"timestamp": "eventTime", "message": "textPayload", "level": "sev"})
    assert ev["message"][0] == "OOMKilled"
    assert ev["message_raw"][0] == "not this one"
    assert ev["level"][0] == "error"
    with pytest.raises(IngestError, match="textPayloadX"):
        load(path, fields={"message": "textPayloadX"})


def test_source_field_in_the_data_does_not_replace_the_source_name(tmp_path):
    path = write_lines(tmp_path / "api.jsonl", [
        '{"ts": 1714557600, "msg": "x", "source": "main.go:12", "kind": "audit"}',
    ])
    ev = load(path)
    assert ev["source"][0] == "api"
    assert ev["kind"][0] == "log"
    assert ev["source_raw"][0] == "main.go:12"
    assert ev["kind_raw"][0] == "audit"


def test_errors_raise_names_file_and_line(tmp_path):
    path = write_lines(tmp_path / "x.jsonl", ['{"ts": 1714557600, "msg": "ok"}', "{nope"])
    with pytest.raises(IngestError) as info:
        read_events(path, format="jsonl", errors="raise")
    assert str(info.value).startswith(f"{path}:2: malformed JSON")
    assert info.value.line == 2


def test_a_10_mb_line_is_loaded_whole(tmp_path):
    big = "x" * (10 * 1024 * 1024)
    path = write_lines(tmp_path / "big.jsonl", [
        '{"ts": 1714557600, "msg": "small"}',
        json.dumps({"ts": 1714557601, "msg": big}),
        '{"ts": 1714557602, "msg": "small again"}',
    ])
    ev = load(path)
    assert len(ev) == 3
    assert len(ev["message"][1]) == len(big)
    assert ev.attrs["rejected"].empty


_GARBAGE = st.sampled_from(['{"ts": 1714557600, "msg": "cut', "[1, 2]", "null", "{}{}", "nope",
                            '"just a string"', '{"ts": 1714557600}{"ts": 1}'])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    messages=st.lists(st.text(max_size=40), min_size=1, max_size=300),
    garbage=st.dictionaries(st.integers(0, 299), _GARBAGE, max_size=8),
    extra=st.one_of(st.none(), st.integers(), st.text(max_size=5), st.booleans()),
)
def test_property_every_good_line_kept_verbatim_every_bad_line_rejected_text_folded(
    tmp_path_factory, monkeypatch, messages, garbage, extra
):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 2048)
    lines, expected, bad_lines = [], {}, set()
    for i, msg in enumerate(messages):
        if i in garbage:
            lines.append(garbage[i])
            if garbage[i] == "nope" and expected:  # plain text: on the record above
                last = max(expected)
                expected[last] = expected[last] + "\nnope" if expected[last] else "nope"
            else:
                bad_lines.add(len(lines))
        record = {"ts": 1714557600 + i, "msg": msg}
        if i % 7 == 3:
            record["extra"] = extra  # a field whose type differs between examples
        lines.append(json.dumps(record))
        expected[len(lines)] = msg
    path = tmp_path_factory.mktemp("prop") / "p.jsonl"
    ev = load(write_lines(path, lines))
    assert dict(zip(ev["line"], ev["message"].fillna(""), strict=True)) == expected
    assert set(ev.attrs["rejected"]["line"]) == bad_lines


def test_a_file_starting_with_a_bare_null_is_rejected_not_a_crash(tmp_path):
    # pyarrow's JSON reader segfaults on a block whose first value is `null`
    path = write_lines(tmp_path / "n.jsonl", ["null", '{"ts": 1714557600, "msg": "ok"}'])
    ev = load(path)
    assert list(ev["message"]) == ["ok"]
    assert list(ev.attrs["rejected"]["line"]) == [1]


def test_columns_come_in_the_order_the_lines_first_write_them(tmp_path):
    """Arrow parses blocks of 1 MiB on several threads: a field first written in a later
    block must not jump ahead of one written late in an earlier block (the order changed
    from run to run)."""
    pad = "x" * 200
    lines = []
    for i in range(12_000):  # about 3 MiB: three of Arrow's blocks
        record = {"ts": f"2026-03-12T13:00:{i % 60:02d}Z", "msg": pad}
        if i == 4_000:
            record["early"] = 1  # late in the first block
        if i >= 6_000:
            record["later"] = 2  # from the second block on
        if i >= 11_000:
            record["last"] = 3
        lines.append(json.dumps(record))
    path = tmp_path / "big.jsonl"
    path.write_text("\n".join(lines) + "\n")
    for _ in range(3):
        columns = list(read_events(path, format="jsonl").columns)
        assert columns.index("early") < columns.index("later") < columns.index("last"), columns


def test_a_logfmt_line_is_a_record_and_text_lines_continue_the_record_above(
        tmp_path, monkeypatch):
    """A JSON logger's stream with a second logger's logfmt line and a Go panic in it (as
    lnav's mixed JSON sample has), read across small blocks: the logfmt line is a record
    whose fields land in the JSON records' columns, the panic and its stack go on the
    message of the record above, text before any record and after a rejected line is
    rejected."""
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 64)
    path = write_lines(tmp_path / "app.json", [
        "an opening banner",
        '{"ts": "2024-05-01T10:00:00Z", "lvl": "INFO", "msg": "starting"}',
        'timestamp="2024-05-01T10:00:01Z" level=error msg="disk full" host=db1',
        "panic: runtime error: index out of range",
        "   main.go:42",
        '{"ts": "2024-05-01T10:00:02Z", "lvl": "WARN", "msg": "slow"}',
        '{"ts": "2024-05-01T10:00:03Z", "lvl": "INFO", "msg": "cut',
        "after a cut line",
        '{"ts": "not a time", "lvl": "INFO", "msg": "bad time"}',
        "goroutine 1 [running]:",
        '{"ts": "2024-05-01T10:00:04Z", "lvl": "ERROR", "msg": "done"}',
    ])
    events = load(path)
    assert events["line"].tolist() == [2, 3, 6, 11]
    assert events["level"].astype(str).tolist() == ["info", "error", "warning", "error"]
    assert events["message"].tolist() == [
        "starting",
        "disk full\npanic: runtime error: index out of range\n   main.go:42",
        "slow", "done"]
    assert events["host"].tolist()[1] == "db1"
    assert "lvl" not in events and "timestamp_raw" not in events
    rejected = dict(zip(events.attrs["rejected"]["line"], events.attrs["rejected"]["reason"],
                        strict=True))
    assert sorted(rejected) == [1, 7, 8, 9, 10]
    assert rejected[1].startswith("malformed JSON")
    assert rejected[8].startswith("malformed JSON")  # (after the rejected line 7)
    assert "unparseable timestamp" in rejected[9]
    assert rejected[10] == "continues line 9, which was rejected"
