"""``postmortem ingest`` run as a real command (``python -m postmortem_kit``)."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


def postmortem(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "postmortem_kit", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=120,
    )


def test_summary_per_source_with_rejected_lines_and_parquet(tmp_path):
    shutil.copy(DATA / "zap.jsonl", tmp_path / "zap.jsonl")
    bad = (DATA / "gokit.logfmt").read_text() + "this line is not logfmt\n"
    (tmp_path / "gokit.logfmt").write_bytes(gzip.compress(bad.encode()))
    out = tmp_path / "events.parquet"
    rejected = tmp_path / "rejected.csv"
    proc = postmortem("ingest", tmp_path / "zap.jsonl", tmp_path / "gokit.logfmt",
                      "-o", out, "--rejected-csv", rejected)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "zap: 4 events" in lines
    assert "  time    2024-05-01 10:00:00.123Z .. 2024-05-01 10:00:03.000Z" in lines
    assert "  levels  info 1, warning 1, error 1, critical 1" in lines
    assert "gokit: 3 events" in lines
    assert "  rejected 1 line(s):" in lines
    assert f"    {tmp_path / 'gokit.logfmt'}:4: not logfmt: no key=value pair" in lines
    assert "total: 7 events from 2 source(s), 1 rejected line(s)" in lines

    events = pd.read_parquet(out)
    assert len(events) == 7
    assert events["source"].value_counts().to_dict() == {"zap": 4, "gokit": 3}
    assert str(events["timestamp"].dtype) == "datetime64[us, UTC]"
    rej = pd.read_csv(rejected)
    assert list(rej["line"]) == [4]
    assert list(rej["text"]) == ["this line is not logfmt"]


def test_window_and_format_options(tmp_path):
    proc = postmortem("ingest", DATA / "zap.jsonl", "--format", "jsonl",
                      "--start", "2024-05-01T10:00:01Z", "--end", "2024-05-01T10:00:02.5Z")
    assert proc.returncode == 0, proc.stderr
    assert "zap: 2 events" in proc.stdout.splitlines()


def test_nothing_loaded_exits_1_with_one_line_error(tmp_path):
    path = tmp_path / "all-bad.jsonl"
    path.write_text('{"ts": 1714557600, "msg": "cut\n[1]\n')
    proc = postmortem("ingest", path, "--format", "jsonl")
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"postmortem ingest: error: nothing could be loaded from {path}"
    assert "rejected 2 line(s):" in proc.stdout


def test_missing_file_and_unknown_format_are_one_line_errors(tmp_path):
    proc = postmortem("ingest", tmp_path / "nope.log")
    assert proc.returncode == 2  # input that cannot be used at all (DESIGN §4)
    missing = tmp_path / "nope.log"
    assert proc.stderr == f"postmortem ingest: error: {missing}: no such file or folder\n"
    proc = postmortem("ingest", DATA / "zap.jsonl", "--format", "yaml")
    assert proc.returncode == 2  # a usage error
    assert proc.stderr.splitlines()[-1].startswith(
        "postmortem ingest: error: argument --format: unknown format 'yaml': expected auto "
        "or one of ")
    assert "Traceback" not in proc.stderr


def test_errors_raise_stops_at_the_first_bad_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"ts": 1714557600, "msg": "ok"}\nnot json\n')
    proc = postmortem("ingest", path, "--errors", "raise")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"postmortem ingest: error: {path}:2: malformed JSON")
