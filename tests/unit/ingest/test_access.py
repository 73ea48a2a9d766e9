"""The ``access`` format: nginx / Apache combined, common and vhost access logs."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.formats import access

COMBINED = (
    '192.168.1.10 - alice [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 '
    '"http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"\n'
    '2001:db8::ff00:42:8329 - - [10/Oct/2000:13:55:37 -0700] "POST /api/checkout HTTP/1.1" '
    '503 - "-" "curl/8.4.0"\n'
    '10.0.0.2 - - [10/Oct/2000:13:55:39 -0700] "GET /search?q=\\"x\\" HTTP/1.1" 404 12 "-" '
    '"Agent \\"quoted\\" 1.0"\n'
)


def load(path: Path, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(path, format=kw.pop("format", "access"), **kw)


def write(tmp_path: Path, text: str, name: str = "access.log") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_combined_lines_fill_the_request_columns(tmp_path):
    ev = load(write(tmp_path, COMBINED))
    assert list(ev["client"]) == ["192.168.1.10", "2001:db8::ff00:42:8329", "10.0.0.2"]
    assert list(ev["method"]) == ["GET", "POST", "GET"]
    assert list(ev["path"]) == ["/apache_pb.gif", "/api/checkout", '/search?q=\\"x\\"']
    assert list(ev["status"]) == [200, 503, 404]
    assert list(ev["bytes"]) == [2326, 0, 12]  # "-" is CLF for "no body"
    assert ev["user"][0] == "alice" and pd.isna(ev["user"][1])
    assert ev["referer"][0] == "http://www.example.com/start.html" and pd.isna(ev["referer"][1])
    assert ev["user_agent"][2] == 'Agent \\"quoted\\" 1.0'
    assert list(ev["message"]) == [
        "GET /apache_pb.gif HTTP/1.0", "POST /api/checkout HTTP/1.1",
        'GET /search?q=\\"x\\" HTTP/1.1']
    assert list(ev["line"]) == [1, 2, 3]


def test_time_offset_is_applied_and_kind_is_request(tmp_path):
    ev = load(write(tmp_path, COMBINED))
    assert ev["timestamp"][0] == pd.Timestamp("2000-10-10T20:55:36Z")
    assert str(ev["timestamp"].dtype) == "datetime64[us, UTC]"
    assert set(ev["kind"]) == {"request"}


def test_level_follows_the_status_class(tmp_path):
    ev = load(write(tmp_path, COMBINED))
    assert list(ev["level"]) == ["info", "error", "warning"]


def test_common_log_format_without_referer_or_agent(tmp_path):
    text = ('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.0" 200 2326\n'
            '127.0.0.1 - - [10/Oct/2000:13:55:37 -0700] "GET /missing HTTP/1.0" 404 -\n')
    ev = load(write(tmp_path, text))
    assert list(ev["status"]) == [200, 404]
    assert list(ev["user"].fillna("-")) == ["frank", "-"]
    assert "user_agent" not in ev.columns


@pytest.mark.parametrize(
    ("tail", "expected_ms"),
    [(" 0.532", 532.0),  # nginx $request_time, seconds
     (" 532000", 532.0),  # Apache %D, microseconds
     (' "0.250" "0.249"', 250.0),  # nginx $request_time "$upstream_response_time", quoted
     (" rt=0.075 uct=0.001", 75.0)],
)
def test_latency_extensions_become_latency_ms(tmp_path, tail, expected_ms):
    line = ('10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"'
            + tail + "\n")
    ev = load(write(tmp_path, line))
    assert ev["latency_ms"][0] == pytest.approx(expected_ms)


def test_what_follows_beyond_the_latency_is_kept_as_extra(tmp_path):
    head = '10.0.0.1 - - [01/May/2024:10:00:0{} +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"'
    text = "".join(head.format(i) + tail + "\n" for i, tail in enumerate(
        [" rt=0.075 uct=0.001", " 0.5", "", ' "0.250"', " upstream=10.1.2.3:8080"]))
    ev = load(write(tmp_path, text))
    # the first latency is written "0.075": seconds, for the whole file
    assert ev["latency_ms"].tolist()[:4] == pytest.approx([75.0, 500.0, float("nan"), 250.0],
                                                         nan_ok=True)
    assert pd.isna(ev["latency_ms"][4])
    assert ev["extra"].tolist()[0] == "rt=0.075 uct=0.001"
    assert ev["extra"].isna().tolist()[1:4] == [True, True, True]
    assert ev["extra"][4] == "upstream=10.1.2.3:8080"


def test_latency_unit_option_overrides_the_guess(tmp_path):
    line = '10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8" 2\n'
    ev = load(write(tmp_path, line), latency_unit="s")
    assert ev["latency_ms"][0] == pytest.approx(2000.0)
    with pytest.raises(IngestError, match="latency_unit"):
        load(write(tmp_path, line), latency_unit="fortnights")


def test_vhost_prefix_goes_to_host_and_the_remote_address_to_client(tmp_path):
    text = ('www.example.com:443 203.0.113.9 - - [01/May/2024:10:00:00 +0000] '
            '"GET / HTTP/2.0" 200 512 "-" "curl/8.4.0"\n'
            'api.example.com:443 203.0.113.10 - - [01/May/2024:10:00:01 +0000] '
            '"GET /v1 HTTP/2.0" 502 0 "-" "curl/8.4.0"\n')
    ev = load(write(tmp_path, text))
    assert list(ev["host"]) == ["www.example.com:443", "api.example.com:443"]
    assert list(ev["client"]) == ["203.0.113.9", "203.0.113.10"]


def test_tls_probe_and_empty_request_are_kept_with_a_note(tmp_path):
    text = ('198.51.100.7 - - [01/May/2024:10:00:00 +0000] '
            '"\\x16\\x03\\x01\\x00\\xA5\\x01\\x00\\x00\\xA1\\x03\\x03" 400 157 "-" "-"\n'
            '198.51.100.8 - - [01/May/2024:10:00:01 +0000] "-" 400 0 "-" "-"\n'
            '198.51.100.9 - - [01/May/2024:10:00:02 +0000] "GET / HTTP/1.1" 200 1 "-" "-"\n')
    ev = load(write(tmp_path, text))
    assert len(ev) == 3
    assert ev["message"][0] == "\\x16\\x03\\x01\\x00\\xA5\\x01\\x00\\x00\\xA1\\x03\\x03"
    assert ev["method"].isna().tolist() == [True, True, False]
    assert ev["parse_note"][0] == "request line is not METHOD PATH [PROTOCOL]"
    assert pd.isna(ev["parse_note"][2])
    assert list(ev["status"]) == [400, 400, 200]


def test_lines_that_are_not_access_lines_are_rejected_with_their_numbers(tmp_path):
    good = '10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"\n'
    text = (good + "garbage that is no request\n" + "\n"
            + '10.0.0.1 - - [99/Foo/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "-"\n'
            + good)
    ev = load(write(tmp_path, text))
    assert list(ev["line"]) == [1, 5]
    rejected = ev.attrs["rejected"]
    assert list(rejected["line"]) == [2, 4]
    assert "not an access-log line" in rejected["reason"][0]
    assert rejected["text"][0] == "garbage that is no request"
    assert "time" in rejected["reason"][1]


def test_errors_raise_stops_at_the_first_bad_line(tmp_path):
    path = write(tmp_path, COMBINED + "not a request line\n")
    with pytest.raises(IngestError, match=r"access\.log:4"):
        read_events(path, format="access", errors="raise")


def test_gzip_and_crlf_files_load_the_same(tmp_path):
    path = tmp_path / "access.log.gz"
    path.write_bytes(gzip.compress(COMBINED.replace("\n", "\r\n").encode()))
    ev = load(path)
    assert list(ev["user_agent"].fillna("-"))[:2] == ["Mozilla/4.08 [en] (Win98; I ;Nav)",
                                                     "curl/8.4.0"]


def test_start_and_end_cut_the_window(tmp_path):
    lines = "".join(
        f'10.0.0.1 - - [01/May/2024:10:00:{s:02d} +0000] "GET /{s} HTTP/1.1" 200 5 "-" "-"\n'
        for s in range(10))
    ev = load(write(tmp_path, lines), start="2024-05-01 10:00:03", end="2024-05-01 10:00:05")
    assert list(ev["path"]) == ["/3", "/4", "/5"]


def test_sniff_claims_access_logs_and_not_other_text():
    assert access.sniff(Path("x.log"), COMBINED) > 0.9
    json_lines = '{"ts": "2024-05-01T10:00:00Z", "msg": "hi"}\n' * 3
    assert access.sniff(Path("x.log"), json_lines) == 0.0
    syslog = "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown\n"
    assert access.sniff(Path("x.log"), syslog) == 0.0


def test_auto_detection_picks_access(tmp_path):
    ev = load(write(tmp_path, COMBINED), format="auto")
    assert set(ev["kind"]) == {"request"} and len(ev) == 3


def test_invalid_utf8_and_nul_lines_are_rejected_and_the_rest_kept(tmp_path):
    good = b'10.0.0.1 - - [01/May/2024:10:00:00 +0000] "GET /ok HTTP/1.1" 200 5 "-" "curl/8"\n'
    path = tmp_path / "access.log"
    path.write_bytes(good + good.replace(b"/ok", b"/caf\xe9") + good.replace(b"/ok", b"/n\x00l")
                     + good)
    ev = load(path)
    assert list(ev["line"]) == [1, 4]
    rejected = ev.attrs["rejected"]
    assert list(rejected["line"]) == [2, 3]
    assert "UTF-8" in rejected["reason"][0] and "NUL" in rejected["reason"][1]


def test_truncated_gzip_keeps_the_complete_lines_and_reports_the_cut(tmp_path):
    body = "".join(
        f'10.0.0.1 - - [01/May/2024:10:00:{s % 60:02d} +0000] "GET /{s} HTTP/1.1" 200 5 "-" "-"\n'
        for s in range(2000)).encode()
    packed = gzip.compress(body)
    path = tmp_path / "access.log.gz"
    path.write_bytes(packed[: len(packed) // 2])
    ev = load(path)
    assert 0 < len(ev) < 2000
    assert list(ev["line"].sort_values()) == list(range(1, len(ev) + 1))  # none skipped
    assert ev.attrs["rejected"]["reason"].str.contains("truncated|corrupt").any()


def test_identd_answers_are_kept_only_when_present(tmp_path):
    text = ('10.0.0.1 alice-ident - [01/May/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n'
            '10.0.0.2 - - [01/May/2024:10:00:01 +0000] "GET / HTTP/1.1" 200 5\n')
    ev = load(write(tmp_path, text))
    assert list(ev["ident"].fillna("-")) == ["alice-ident", "-"]
    assert "ident" not in load(write(tmp_path, COMBINED)).columns
