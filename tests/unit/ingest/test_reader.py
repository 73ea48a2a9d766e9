"""``read_events``: paths, compression, truncation, windows, rejects, warnings."""

from __future__ import annotations

import bz2
import gzip
import json
import warnings
import zlib
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.paths import source_name
from postmortem_kit.ingest.registry import FORMATS, Format
from postmortem_kit.ingest.schema import LEVEL_DTYPE, concat_events

T0 = 1714557600  # 2024-05-01T10:00:00Z


def records(n: int, start: int = 0, step: int = 1) -> bytes:
    """``n`` JSONL records one ``step`` second apart, message ``m<i>``."""
    return "".join(
        json.dumps({"ts": T0 + (start + i) * step, "level": "info", "msg": f"m{start + i}"}) + "\n"
        for i in range(n)
    ).encode()


def quiet(*args, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(*args, **kw)


def gzip_cut_at_flush(data: bytes) -> bytes:
    """gzip of ``data`` cut right after a sync flush: everything decompresses, no trailer."""
    comp = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return comp.compress(data) + comp.flush(zlib.Z_SYNC_FLUSH)


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lambda b: b])
def test_compression_is_detected_from_the_bytes_not_the_name(tmp_path, compress):
    path = tmp_path / "app.log"  # no .gz / .bz2 suffix on purpose
    path.write_bytes(compress(records(500)))
    ev = read_events(path, format="jsonl")
    assert len(ev) == 500
    assert ev["message"].iloc[-1] == "m499"


def test_concatenated_gzip_members_are_one_file(tmp_path):
    path = tmp_path / "app.jsonl.gz"
    path.write_bytes(gzip.compress(records(10)) + gzip.compress(records(5, start=10)))
    ev = read_events(path)
    assert list(ev["message"]) == [f"m{i}" for i in range(15)]
    assert ev["source"][0] == "app"


def test_truncated_gzip_at_a_line_boundary_keeps_every_line_and_reports_the_cut(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    blob = gzip_cut_at_flush(records(100))
    path.write_bytes(blob)
    ev = quiet(path, format="jsonl")
    assert len(ev) == 100
    rej = ev.attrs["rejected"]
    assert len(rej) == 1
    assert pd.isna(rej["line"][0])
    assert rej["reason"][0] == (
        f"truncated gzip file: the compressed data ends early at byte {len(blob):,}, "
        "after line 100"
    )


def test_truncated_gzip_mid_line_rejects_the_incomplete_line(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip_cut_at_flush(records(100) + b'{"ts": 17145'))
    ev = quiet(path, format="jsonl")
    assert len(ev) == 100
    rej = ev.attrs["rejected"]
    assert list(rej["line"]) == [101]
    assert rej["reason"][0].endswith("last line incomplete")
    assert rej["text"][0] == '{"ts": 17145'


def test_empty_files_are_a_note_not_a_crash(tmp_path):
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "empty.jsonl.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "real.jsonl").write_bytes(records(3))
    with pytest.warns(IngestWarning, match=r"2 file\(s\) skipped"):
        ev = read_events(tmp_path)
    assert len(ev) == 3
    assert len(ev.attrs["notes"]) == 2
    assert all("empty file" in n for n in ev.attrs["notes"])
    assert ev.attrs["rejected"].empty


def test_only_an_empty_file_gives_an_empty_frame_with_the_schema(tmp_path):
    (tmp_path / "empty.log").write_bytes(b"")
    with pytest.warns(IngestWarning):
        ev = read_events(tmp_path / "empty.log")
    assert len(ev) == 0
    assert str(ev["timestamp"].dtype) == "datetime64[us, UTC]"
    assert ev["level"].dtype == LEVEL_DTYPE


def test_rejects_warn_exactly_once_with_the_count(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(records(3) + b"{oops\n" + records(2, start=3) + b"[]\n{\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ev = read_events(path)
    ours = [w for w in caught if issubclass(w.category, IngestWarning)]
    assert len(ours) == 1
    assert str(ours[0].message).startswith(f"3 rejected record(s), first at {path}:4: malformed")
    assert list(ev.attrs["rejected"].columns) == ["file", "line", "reason", "text"]
    assert list(ev.attrs["rejected"]["line"]) == [4, 7, 8]


def test_rejects_are_listed_in_line_order_whichever_pass_found_them(tmp_path):
    # the NUL line is rejected while the file is framed, the other while it is matched
    good = b'10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"\n'
    path = tmp_path / "access.log"
    path.write_bytes(good + b"not a request line\n" + good + b"n\x00l\n" + good)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        ev = read_events(path, format="access")
    assert len(ev) == 3
    assert list(ev.attrs["rejected"]["line"]) == [2, 4]


def test_errors_raise_stops_at_the_first_reject_with_its_location(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(records(3) + b"{oops\n" + b"[]\n")
    with pytest.raises(IngestError, match=r"x\.jsonl:4: malformed JSON"):
        read_events(path, errors="raise")


def test_rejects_survive_concat_events(tmp_path):
    (tmp_path / "a.jsonl").write_bytes(records(2) + b"{bad a\n")
    (tmp_path / "b.jsonl").write_bytes(records(2, start=2) + b"{bad b\n")
    a = quiet(tmp_path / "a.jsonl")
    b = quiet(tmp_path / "b.jsonl")
    both = concat_events([a, b])
    assert len(both) == 4
    assert list(both.attrs["rejected"]["text"]) == ["{bad a", "{bad b"]


def test_folder_glob_and_list_load_the_same_files_with_stem_sources(tmp_path):
    (tmp_path / "api.jsonl").write_bytes(records(3))
    (tmp_path / "worker.jsonl.bz2").write_bytes(bz2.compress(records(2, start=3)))
    (tmp_path / ".hidden.jsonl").write_bytes(b"not loaded\n")
    by_folder = read_events(tmp_path)
    by_glob = read_events(str(tmp_path / "*.jsonl*"))
    by_list = read_events([tmp_path / "api.jsonl", tmp_path / "worker.jsonl.bz2"])
    for ev in (by_folder, by_glob, by_list):
        assert list(ev["source"]) == ["api"] * 3 + ["worker"] * 2
        assert list(ev["message"]) == [f"m{i}" for i in range(5)]


def test_source_argument_overrides_the_file_stem(tmp_path):
    (tmp_path / "x.jsonl").write_bytes(records(2))
    assert set(read_events(tmp_path / "x.jsonl", source="checkout")["source"]) == {"checkout"}


@pytest.mark.parametrize(
    ("name", "stem"),
    [("app.jsonl.gz", "app"), ("syslog", "syslog"), ("a.b.log", "a.b"), (".env", ".env")],
)
def test_source_name_drops_compression_and_format_suffixes(name, stem):
    assert source_name(Path(name)) == stem


def test_several_sources_are_merged_in_time_order(tmp_path):
    (tmp_path / "even.jsonl").write_bytes(records(50, step=2))
    odd = "".join(json.dumps({"ts": T0 + 1 + 2 * i, "msg": f"odd{i}"}) + "\n" for i in range(50))
    (tmp_path / "odd.jsonl").write_text(odd)
    ev = read_events(tmp_path)
    assert ev["timestamp"].is_monotonic_increasing
    assert list(ev["source"][:4]) == ["even", "odd", "even", "odd"]


def test_start_end_window_is_inclusive_and_naive_bounds_use_tz(tmp_path):
    path = tmp_path / "day.jsonl.gz"
    path.write_bytes(gzip.compress(records(7200)))  # 10:00:00 .. 11:59:59, one per second
    ev = read_events(path, start="2024-05-01 10:30", end=pd.Timestamp("2024-05-01T10:40Z"))
    assert len(ev) == 601
    assert ev["message"].iloc[0] == "m1800"
    paris = read_events(path, start="2024-05-01 12:30", end="2024-05-01 12:40", tz="Europe/Paris")
    assert list(paris["message"]) == list(ev["message"])


def test_start_after_end_is_an_error(tmp_path):
    (tmp_path / "x.jsonl").write_bytes(records(1))
    with pytest.raises(IngestError, match="after end"):
        read_events(tmp_path / "x.jsonl", start="2024-05-02", end="2024-05-01")


def test_missing_path_unknown_format_and_empty_glob_are_clear_errors(tmp_path):
    with pytest.raises(IngestError, match=r"nope\.log: no such file"):
        read_events(tmp_path / "nope.log")
    with pytest.raises(IngestError, match="unknown format 'yaml'"):
        read_events(tmp_path, format="yaml")
    with pytest.raises(IngestError, match="no file matches"):
        read_events(str(tmp_path / "*.gz"))


def test_auto_names_every_format_it_tried_when_none_fits(tmp_path):
    path = tmp_path / "image.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(IngestError) as info:
        read_events(path)
    message = str(info.value)
    assert message.startswith(f"{path}: no format recognises this file (tried: ")
    for name in ("jsonl", "logfmt", "csv"):
        assert name in message


def test_auto_picks_jsonl_for_json_lines_without_the_extension(tmp_path):
    path = tmp_path / "current"
    path.write_bytes(records(20))
    assert len(read_events(path)) == 20


def test_progress_bar_forced_on_does_not_change_the_result(tmp_path, capsys):
    path = tmp_path / "x.jsonl"
    path.write_bytes(records(100))
    ev = read_events(path, progress=True)
    assert len(ev) == 100
    assert "x.jsonl" in capsys.readouterr().err  # tqdm's bar names the file


def test_a_utf8_byte_order_mark_does_not_cost_the_first_line(tmp_path):
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + records(2))
    ev = read_events(path)
    assert list(ev["message"]) == ["m0", "m1"]
    assert ev.attrs["rejected"].empty


def test_unrecognised_files_in_a_folder_are_skipped_with_a_note(tmp_path):
    (tmp_path / "app.jsonl").write_bytes(records(3))
    (tmp_path / "blob.bin").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.warns(IngestWarning, match="1 file\\(s\\) skipped"):
        ev = read_events(tmp_path)
    assert len(ev) == 3
    (note,) = ev.attrs["notes"]
    assert note.startswith(f"{tmp_path / 'blob.bin'}: skipped: no format recognises this file")


def test_a_file_named_explicitly_that_no_format_knows_is_an_error_not_a_skip(tmp_path):
    (tmp_path / "blob.bin").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(IngestError, match="no format recognises"):
        read_events([tmp_path / "blob.bin"])


def test_a_folder_format_inside_a_folder_is_one_source(tmp_path, monkeypatch):
    def load(path, ctx):
        days = sorted(path.glob("*.json"))
        return pd.DataFrame({"timestamp": [f"2024-05-01T10:00:0{i}Z" for i in range(len(days))],
                             "message": [p.stem for p in days]})

    fmt = Format("fake-export", load, lambda p, head: 1.0 if p.name == "export" else 0.0,
                 "chat", folder=True)
    monkeypatch.setitem(FORMATS, "fake-export", fmt)
    (tmp_path / "export").mkdir()
    for day in ("2024-05-01", "2024-05-02"):
        (tmp_path / "export" / f"{day}.json").write_text("[]")
    (tmp_path / "app.jsonl").write_bytes(records(1))
    ev = read_events(tmp_path)
    assert ev["source"].value_counts().to_dict() == {"export": 2, "app": 1}
    assert list(ev.loc[ev["source"] == "export", "message"]) == ["2024-05-01", "2024-05-02"]
    assert set(ev.loc[ev["source"] == "export", "kind"]) == {"chat"}
