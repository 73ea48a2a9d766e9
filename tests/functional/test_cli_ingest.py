"""``postmortem ingest`` run as a real command (``python -m postmortem_kit``)."""

from __future__ import annotations

import ctypes
import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[1] / "data" / "ingest"


def postmortem(*args: str | Path, cwd: Path | None = None, input: str | None = None,
               preexec_fn=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "postmortem_kit", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=120, input=input,
        preexec_fn=preexec_fn,
    )


def without_root_file_access() -> None:
    """In the child before it runs: drop the capabilities that let root read any file
    (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from the bounding set, so that a file
    without read permission is unreadable as it would be for anyone else. A no-op when
    the tests do not run as root."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2):  # PR_CAPBSET_DROP = 24
            if libc.prctl(24, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def jsonl_with_bad_line(n: int, bad_at: int) -> str:
    lines = [json.dumps({"ts": 1714557600 + i, "msg": f"m{i}"}) for i in range(n)]
    lines[bad_at - 1] = "{this is not json"  # (broken JSON: plain text continues a record)
    return "\n".join(lines) + "\n"


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
    path.write_text('{"ts": 1714557600, "msg": "ok"}\n{not json\n')
    proc = postmortem("ingest", path, "--errors", "raise")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"postmortem ingest: error: {path}:2: malformed JSON")


def test_stdin_as_dash_or_dev_stdin_loads_every_line_with_its_number():
    data = jsonl_with_bad_line(3000, bad_at=1700)  # ~130 KB: several reads of the pipe
    for arg, file in (("-", "stdin"), ("/dev/stdin", "/dev/stdin")):
        proc = postmortem("ingest", arg, input=data)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert "stdin: 2,999 events" in lines
        (reject,) = [line for line in lines if line.startswith(f"    {file}:")]
        assert reject.startswith(f"    {file}:1700: malformed JSON"), proc.stdout
        assert "total: 2,999 events from 1 source(s), 1 rejected line(s)" in lines


def test_an_unreadable_file_is_a_one_line_error_and_skipped_in_a_folder(tmp_path):
    secret = tmp_path / "secret.jsonl"
    secret.write_text(jsonl_with_bad_line(3, bad_at=2))
    secret.chmod(0)
    (tmp_path / "app.jsonl").write_text(jsonl_with_bad_line(4, bad_at=4))
    proc = postmortem("ingest", secret, preexec_fn=without_root_file_access)
    assert proc.returncode == 2
    assert proc.stderr == f"postmortem ingest: error: {secret}: cannot read it: Permission denied\n"
    proc = postmortem("ingest", tmp_path, preexec_fn=without_root_file_access)
    assert proc.returncode == 0, proc.stderr
    assert "app: 3 events" in proc.stdout.splitlines()
    assert f"note: {secret}: skipped: cannot read it: Permission denied" in proc.stdout.splitlines()
