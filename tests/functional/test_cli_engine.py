"""``--engine dask [--scheduler ADDR]`` of ``postmortem ingest`` and ``timeline``, run as
real commands: the same output as the pandas engine, clear one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from postmortem_kit.sample import evidence_paths

INCIDENT = Path(__file__).resolve().parents[2] / "data" / "incident"


def postmortem(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "postmortem_kit", *map(str, args)],
                          capture_output=True, text=True, timeout=300)


def test_timeline_on_a_scheduler_prints_the_pandas_engines_json(dask_client):
    files = evidence_paths(INCIDENT)
    here = postmortem("timeline", *files, "--json")
    there = postmortem("timeline", *files, "--json", "--engine", "dask",
                       "--scheduler", dask_client.scheduler.address)
    assert here.returncode == 0, here.stderr
    assert there.returncode == 0, there.stderr
    assert json.loads(there.stdout) == json.loads(here.stdout)


def test_ingest_on_a_local_cluster_summarises_and_writes_the_same_frame(tmp_path):
    files = [INCIDENT / "app.jsonl", INCIDENT / "syslog.log"]
    here = postmortem("ingest", *files, "-o", tmp_path / "here.parquet")
    there = postmortem("ingest", *files, "--engine", "dask", "-o", tmp_path / "there.parquet")
    assert there.returncode == 0, there.stderr
    assert there.stdout.replace("there.parquet", "here.parquet") == here.stdout
    assert (tmp_path / "there.parquet").read_bytes() == (tmp_path / "here.parquet").read_bytes()


def test_scheduler_without_the_dask_engine_is_a_usage_error():
    run = postmortem("timeline", INCIDENT / "app.jsonl", "--scheduler", "tcp://127.0.0.1:9")
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "--scheduler needs --engine dask" in lines[0]


def test_a_scheduler_that_does_not_answer_is_one_clear_line():
    run = postmortem("timeline", INCIDENT / "app.jsonl", "--engine", "dask",
                     "--scheduler", "tcp://127.0.0.1:9")
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "--scheduler tcp://127.0.0.1:9: no Dask scheduler answered within 10s" in lines[0]


def test_remote_paths_without_the_dask_engine_say_how_to_read_them():
    run = postmortem("ingest", "s3://bucket/logs/app.jsonl")
    assert run.returncode == 2
    assert "remote paths are read by the dask engine" in run.stderr
    assert "--engine dask" in run.stderr
