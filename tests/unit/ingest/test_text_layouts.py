"""Text logs of any layout: renderings, prefixes, level vocabularies and tail fields the
issue names, each written out by hand with the values a reader sees in the line; and a
property test composing layouts at random."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem_kit.cli import main
from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.files import blocks
from postmortem_kit.ingest.lines.layout import detect_layout


def T(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def load(tmp_path: Path, body: str, name: str = "app.log", **kw) -> pd.DataFrame:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, **kw)


@pytest.mark.parametrize(("body", "kw", "expected"), [
    # Android logcat: month-day without a year, pid, tid, one-letter level, tag
    ("05-14 10:05:01.123  1234  5678 I ActivityManager: Start proc\n"
     "05-14 10:05:02.456  1234  5679 E AndroidRuntime: FATAL EXCEPTION: main\n",
     {"year": 2024},
     [("2024-05-14T10:05:01.123Z", "info", "Start proc"),
      ("2024-05-14T10:05:02.456Z", "error", "FATAL EXCEPTION: main")]),
    # 12-hour clock
    ("05/01/2024 10:00:00 PM ERROR payment failed\n05/02/2024 12:30:00 AM INFO retry ok\n",
     {}, [("2024-05-01T22:00:00Z", "error", "payment failed"),
          ("2024-05-02T00:30:00Z", "info", "retry ok")]),
    # named month, comma, "@" (Kibana exports)
    ("Mar 14, 2026 @ 10:05:59.301 WARN disk 91% full\n", {},
     [("2026-03-14T10:05:59.301Z", "warning", "disk 91% full")]),
    # day, named month, year, milliseconds
    ("14 Mar 2026 10:05:01.123 ERROR db down\n", {},
     [("2026-03-14T10:05:01.123Z", "error", "db down")]),
    # compact date, colon before the milliseconds
    ("20240501-10:00:00:123 INFO compact\n", {}, [("2024-05-01T10:00:00.123Z", "info", "compact")]),
    # YYMMDD HHMMSS (HDFS)
    ("240501 100000 INFO dfs.DataNode: served block\n", {},
     [("2024-05-01T10:00:00Z", "info", "served block")]),
    # DB2's dashes and dots
    ("2024-05-01-10.00.00.123456 E db2 crashed\n", {},
     [("2024-05-01T10:00:00.123456Z", "error", "db2 crashed")]),
    # dotted date
    ("2024.05.01 10:00:00 WARNING dotted\n", {}, [("2024-05-01T10:00:00Z", "warning", "dotted")]),
    # Proxifier's bracketed month.day
    ("[05.01 10:00:00] chrome.exe - proxy.example.com:443 open\n", {"year": 2024},
     [("2024-05-01T10:00:00Z", None, "chrome.exe - proxy.example.com:443 open")]),
    # the issue's crash: ISO date-time, a comma, a capitalised level padded to a column
    ("2024-05-01 10:00:00, INFO     started\n2024-05-01 10:00:01, WARNING  slow\n", {},
     [("2024-05-01T10:00:00Z", "info", "started"), ("2024-05-01T10:00:01Z", "warning", "slow")]),
    # epoch nanoseconds as a field
    ("1714557600123456789 INFO nanos\n", {}, [("2024-05-01T10:00:00.123456Z", "info", "nanos")]),
    # epoch microseconds
    ("1714557600123456 INFO micros\n", {}, [("2024-05-01T10:00:00.123456Z", "info", "micros")]),
    # TAI64N (daemontools): 0x52ba0b3e - 10 s = 2013-12-24T22:31:16, 0x2a4e3d0c ns
    ("@4000000052ba0b3e2a4e3d0c starting\n", {},
     [("2013-12-24T22:31:16.709770Z", None, "starting")]),
    # Ruby's Logger: a letter, the bracketed time, the pid, the level, the program
    ("E, [2024-05-01T10:00:00.123456 #1234] ERROR -- billing: card declined\n", {},
     [("2024-05-01T10:00:00.123456Z", "error", "card declined")]),
    # grep -H output: a file name before an ISO time
    ("logs/web.log:2024-05-01 10:00:00,123 WARN slow checkout\n", {},
     [("2024-05-01T10:00:00.123Z", "warning", "slow checkout")]),
    # a zone name after the time
    ("2024-05-01 10:00:00 PDT ERROR west coast\n", {},
     [("2024-05-01T17:00:00Z", "error", "west coast")]),
])
def test_renderings_the_issue_names(tmp_path, body, kw, expected):
    ev = load(tmp_path, body, **kw)
    got = [(t, None if pd.isna(lvl) else lvl, m)
           for t, lvl, m in zip(ev["timestamp"], ev["level"], ev["message"], strict=True)]
    assert got == [(T(t), lvl, m) for t, lvl, m in expected]
    assert len(ev.attrs["rejected"]) == 0


def test_logcat_pid_tid_and_tag(tmp_path):
    ev = load(tmp_path, "05-14 10:05:01.123  1234  5678 I ActivityManager: Start proc\n",
              year=2024)
    assert (ev["pid"][0], ev["tid"][0], ev["service"][0]) == ("1234", "5678", "ActivityManager")


def test_ruby_logger_pid_and_program(tmp_path):
    ev = load(tmp_path, "I, [2024-05-01T10:00:00.1 #77]  INFO -- api: up\n")
    assert (ev["pid"][0], ev["service"][0]) == ("77", "api")


def test_syslog_priority_prefix_is_the_level(tmp_path):
    body = "<11>2024-05-01 10:00:00 disk failed\n<14>2024-05-01 10:00:01 disk ok\n"
    ev = load(tmp_path, body, format="text")
    assert list(ev["level"]) == ["error", "info"]  # 11 % 8 = 3 (err), 14 % 8 = 6 (info)
    assert list(ev["message"]) == ["disk failed", "disk ok"]


def test_kubectl_prefix_is_the_service_and_the_inner_layout_is_inferred(tmp_path):
    body = ("[pod/web-7d9c/app] 2024-05-01T10:00:00Z INFO started\n"
            "[pod/worker-1/main] 2024-05-01T10:00:01Z ERROR crashed\n"
            "[pod/web-7d9c/app] 2024-05-01T10:00:02Z WARN slow\n"
            "[pod/worker-1/main] Traceback: boom\n")
    ev = load(tmp_path, body)
    assert list(ev["service"]) == ["pod/web-7d9c/app", "pod/worker-1/main", "pod/web-7d9c/app"]
    assert list(ev["level"]) == ["info", "error", "warning"]
    # the worker's continuation line goes on the worker's record, not on the one above it
    assert list(ev["message"]) == ["started", "crashed\nTraceback: boom", "slow"]


def test_multiplexed_records_fold_across_read_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 64)  # a new block every line or two
    body = "".join(f"[pod/api/main] 2024-05-01T10:00:{i:02d}Z ERROR failed {i}\n"
                   f"[pod/web/app] 2024-05-01T10:00:{i:02d}Z INFO ok {i}\n"
                   f"[pod/api/main]   at handler line {i}\n" for i in range(10))
    ev = load(tmp_path, body).sort_values("line", ignore_index=True)
    assert len(ev.attrs["rejected"]) == 0
    api = ev.loc[ev["service"] == "pod/api/main", "message"].tolist()
    assert api == [f"failed {i}\n  at handler line {i}" for i in range(10)]
    assert ev.loc[ev["service"] == "pod/web/app", "message"].tolist() == [
        f"ok {i}" for i in range(10)]


def test_the_rendering_on_most_lines_wins_though_it_starts_after_the_first_200():
    """Renderings are looked for in the first 200 lines first: one that only the later
    lines of the sample write must still win when it is on the most lines."""
    lines = (["2024/05/01 10:00:00 boot: stage done"] * 200
             + ["2024-05-01T10:00:01Z INFO api - served"] * 800)
    layout = detect_layout(pa.array(lines))
    assert layout is not None
    assert layout.timestamp == "iso8601"
    assert layout.coverage == 0.8


HEADER_SAMPLES = [
    ["logs/web-1.log:2024-05-01 10:00:00,001 INFO checkout.api - request finished"] * 50,
    ["05-14 10:00:00.001  1000  2000 I ActivityManager: start proc"] * 50,
    ["I0517 10:00:00.000001 1952452992 server.cc:12] ready"] * 50,
    ["2024-05-01 10:00:00.101 [main] INFO  com.shop.App - Started"] * 30
    + ["2024-05-01 10:00:01.101 INFO com.shop.App - no thread here"] * 20,
    ["2024-05-01 10:00:00 plain message"] * 50,
]


@pytest.mark.parametrize("lines", HEADER_SAMPLES)
def test_header_scoring_stops_at_a_header_that_fits_every_line(lines, monkeypatch):
    """Headers are scored in order; once one fits every line none after it can win, and
    their regexes (compiled per call) are not tried. The header picked is the one scoring
    every header picks: the first fitting 85% of the most lines any fits."""
    from postmortem_kit.ingest.lines import layout as lay

    tried: list[str] = []
    count = lay._count
    monkeypatch.setattr(lay, "_count", lambda s, rx: tried.append(rx) or count(s, rx))
    found = detect_layout(pa.array(lines))
    assert found is not None
    prefix = next(p for p in lay.PREFIXES if p[0] == found.prefix)
    stamp = next(s for s in lay.STAMPS if s.name == found.timestamp)
    regexes = [(h[0], lay.line_regex(stamp.rx, h[1], prefix[1])) for h in lay.LAYOUTS
               if lay._compatible(prefix[1], h[1])]
    starts = pa.array([bool(re.match("^" + prefix[1] + r"[\[\"(]?" + stamp.rx, line))
                       for line in lines])
    ts_lines = pa.array(lines).filter(starts)
    scores = [(name, count(ts_lines, rx)) for name, rx in regexes]  # every header
    top = max(n for _, n in scores)
    expected = next((name for name, n in scores if n >= 0.85 * top and n > 0), "rest")
    assert found.header == expected
    picked = [rx for _, rx in regexes].index(found.line_rx) if found.header != "rest" else -1
    later = {rx for _, rx in regexes[picked + 1:]} if picked >= 0 and scores[picked][1] == len(
        ts_lines) else set()
    assert not later & set(tried)


def test_the_first_lines_renderings_are_looked_for_once_for_the_sniff_and_the_load(
        monkeypatch):
    """The text sniff and the load detect the layout of the same first 200 lines: each
    rendering's regex runs on them once; other lines, even as many, get their own."""
    import pyarrow.compute as pc

    from postmortem_kit.ingest.lines.stamps import STAMPS

    stamp_rxs = {s.rx for s in STAMPS}
    runs: list[int] = []
    match = pc.match_substring_regex
    monkeypatch.setattr(pc, "match_substring_regex", lambda lines, rx, **kw: (
        runs.append(len(lines)) if rx in stamp_rxs else None) or match(lines, rx, **kw))
    iso = [f"logs/web.log:2024-05-01 10:00:{i % 60:02d},000 INFO app.api - n={i}"
           for i in range(200)]
    first = detect_layout(pa.array(iso))
    looked_for = len(runs)
    assert looked_for >= len(STAMPS)  # (each rendering, in the first 200 lines)
    again = detect_layout(pa.array(iso + ["2024-05-01 10:00:00,000 INFO app.api - more"] * 800))
    assert first is not None and again is not None and again.timestamp == "iso8601"
    assert 200 not in runs[looked_for:]  # the first 200 lines: not looked through again
    slashed = [line.replace("2024-05-01", "2024/05/01") for line in iso]
    other = detect_layout(pa.array(slashed))
    assert other is not None and (first.timestamp, other.timestamp) == ("iso8601", "ymd-slash")


def test_no_year_rolls_over_at_new_year(tmp_path):
    body = "Dec 31 23:59:59 INFO last of the year\nJan  1 00:00:01 INFO first of the next\n"
    ev = load(tmp_path, body, year=2023)
    assert list(ev["timestamp"]) == [T("2023-12-31T23:59:59Z"), T("2024-01-01T00:00:01Z")]


def test_tail_fields_are_lifted_into_their_columns(tmp_path):
    body = ("2024-05-01 10:00:00 INFO checkout request finished for the cart of a customer "
            "status=503 latency=120ms user=alice trace_id=4bf92f3577b34da6\n"
            "2024-05-01 10:00:01 WARN checkout request was slow to answer for this customer "
            'duration=1.5s user="bob smith"\n'
            "2024-05-01 10:00:02 INFO idle worker waiting for new work from the queue\n")
    ev = load(tmp_path, body)
    assert list(ev["status"].astype(object).where(ev["status"].notna(), None)) == [503, None, None]
    assert ev["latency_ms"][0] == 120.0 and ev["latency_ms"][1] == 1500.0
    assert pd.isna(ev["latency_ms"][2])
    assert list(ev["user"][:2]) == ["alice", "bob smith"]
    assert ev["trace_id"][0] == "4bf92f3577b34da6"
    assert ev["message"][0].endswith("trace_id=4bf92f3577b34da6")  # the message keeps its text


def test_explain_prints_pattern_zone_year_and_three_samples(tmp_path, capsys):
    path = tmp_path / "glog.log"
    path.write_text("I0517 15:04:22.619632  1952 main.cc:12] started\n"
                    "W0517 15:04:23.000001  1952 main.cc:40] slow disk\n"
                    "E0517 15:04:24.5  1953 io.cc:7] write failed\n"
                    "I0517 15:04:25.0  1952 main.cc:12] done\n", encoding="utf-8")
    assert main(["ingest", "--explain", "--year", "2017", str(path)]) == 0
    out = capsys.readouterr().out
    assert ("pattern   <L><timestamp MMDD hh:mm:ss[.f][ AM|PM]> <thread> <file:line>] "
            "<message>") in out
    assert "zone      none in the lines: read in tz=UTC" in out
    assert "year      the lines carry no year: 2017 (year=2017)" in out
    assert re.search(r"sample 1  line=1, timestamp='2017-05-17T15:04:22\.619632\+00:00', "
                     r"level='info', message='started'", out)
    assert "sample 3  line=3" in out and "level='error'" in out and "sample 4" not in out


def test_explain_of_a_file_nothing_fits_names_the_closest_and_exits_2(tmp_path, capsys):
    # control characters: not lines of text (text without a timestamp would load)
    path = tmp_path / "dump.bin"
    path.write_bytes(b"\x01\x02TCF 29:47\x03 channel\x04\n" * 3)
    assert main(["ingest", "--explain", str(path)]) == 2
    out = capsys.readouterr().out
    assert "no layout fits" in out and "first line: '\\x01\\x02TCF 29:47" in out
    assert "pattern=" in out


# -- property: compose a layout at random, check the inferred values --------------------
RENDERINGS = [
    "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "[%Y-%m-%d %H:%M:%S]", "%Y/%m/%d %H:%M:%S",
    "%a %b %d %H:%M:%S %Y", "%d %b %Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y%m%d-%H:%M:%S",
    "%Y.%m.%d %H:%M:%S", "%d-%b-%Y %H:%M:%S.%f",
]
PREFIXES = ["", "web.log:", "4242 ", "srv-01 | "]
LEVELS = {"INFO": "info", "WARN": "warning", "ERROR": "error", "debug": "debug",
          "Warning": "warning", "FATAL": "critical", "notice": "notice", "[error]": "error"}
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8).filter(
    lambda w: w.lower() not in {x.strip("[]").lower() for x in LEVELS} and not re.fullmatch(
        r"(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
        r"[a-z]*|trace|dbg|inf|wrn|err|crit\w*|alert|emerg\w*|panic|fine\w*|verbose|debug\d?|"
        r"information|severe|critical|am|pm|utc|gmt", w))
MOMENTS = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2026, 6, 30))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(render=st.sampled_from(RENDERINGS), prefix=st.sampled_from(PREFIXES),
       level=st.sampled_from([None, *LEVELS]),
       records=st.lists(st.tuples(MOMENTS, st.lists(WORDS, min_size=1, max_size=6)),
                        min_size=3, max_size=12))
def test_composed_layouts_are_inferred(tmp_path, render, prefix, level, records):
    lines, expected = [], []
    for moment, words in sorted(records):
        if "%f" not in render:
            moment = moment.replace(microsecond=0)
        message = " ".join(words)
        head = f"{prefix}{moment.strftime(render)}" + (f" {level}" if level else "")
        lines.append(f"{head} {message}")
        expected.append((pd.Timestamp(moment, tz="UTC"), LEVELS.get(level or ""), message))
    ev = load(tmp_path, "\n".join(lines) + "\n", format="text")
    got = [(t, None if pd.isna(lvl) else lvl, m)
           for t, lvl, m in zip(ev["timestamp"], ev["level"], ev["message"], strict=True)]
    assert got == expected, ev.attrs["layouts"]


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=60).map(lambda s: s.replace("\r", "")), min_size=1, max_size=8),
       st.sampled_from(RENDERINGS), st.sampled_from(PREFIXES))
def test_whatever_the_lines_the_result_is_a_frame_or_an_ingest_error(tmp_path, junk, render,
                                                                     prefix):
    stamped = [f"{prefix}{dt.datetime(2024, 5, 1, 10, 0, i).strftime(render)} {j}"
               for i, j in enumerate(junk)]
    body = "\n".join(x for pair in zip(stamped, junk, strict=True) for x in pair)
    for fmt in ("auto", "text"):
        try:
            ev = load(tmp_path, body, format=fmt)
        except IngestError:
            continue
        assert ev["timestamp"].notna().all()
