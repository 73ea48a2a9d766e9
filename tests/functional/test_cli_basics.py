"""What every command line has: --version, --debug anywhere, and exports that say when a
notebook was never run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import postmortem_kit


def postmortem(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "postmortem_kit", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_version_prints_the_package_version():
    proc = postmortem("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"postmortem {postmortem_kit.__version__}"


def test_debug_is_accepted_before_and_after_the_verb(tmp_path):
    missing = tmp_path / "missing.json"
    for argv in (["--debug", "render", missing, "--to", "md"],
                 ["render", missing, "--to", "md", "--debug"]):
        proc = postmortem(*argv)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback (most recent call last)" in proc.stderr
        assert proc.stderr.rstrip().endswith(f"error: {missing}: no such file")
    quiet = postmortem("render", missing, "--to", "md")
    assert "Traceback" not in quiet.stderr


def test_exporting_a_never_run_notebook_warns_and_fails_under_strict(tmp_path):
    assert postmortem("new", "outage", "--dir", tmp_path).returncode == 0
    notebook = tmp_path / "outage" / "investigation.ipynb"

    strict = postmortem("export", notebook, "--to", "md", "--strict")
    assert strict.returncode == 1
    assert "no cell has been run" in strict.stderr and "nothing written" in strict.stderr
    assert not notebook.with_suffix(".md").exists()

    lenient = postmortem("export", notebook, "--to", "md")
    assert lenient.returncode == 0, lenient.stderr
    assert "warning:" in lenient.stderr and "pass --execute" in lenient.stderr
    assert notebook.with_suffix(".md").exists()
