"""`postmortem portfolio` as a user runs it: the page written, the same bytes each time."""

from __future__ import annotations

import subprocess
import sys

from tests.unit.portfolio.generate import generate


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "postmortem_kit", *args],
                          capture_output=True, text=True, timeout=120)


def test_portfolio_writes_the_page_and_rerunning_gives_the_same_bytes(tmp_path):
    folder = tmp_path / "postmortems"
    folder.mkdir()
    generate(folder, count=12)
    (folder / "README.md").write_text("# Postmortems of the payments team\n")
    out = tmp_path / "report.html"
    first = run("portfolio", str(folder), "--out", str(out), "--as-of", "2026-06-01")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == (f"{folder}: 12 postmortem(s) read, 1 not included, 2 with stated "
                        "figures that disagree with their timeline")
    assert lines[1].startswith("  not included: README.md: no incident date")
    assert lines[-1] == str(out)
    page = out.read_bytes()
    assert page.startswith(b"<!DOCTYPE html>")
    # without --force the page is not replaced; with it, the same folder gives the same bytes
    assert run("portfolio", str(folder), "--out", str(out), "--as-of", "2026-06-01"
               ).returncode == 2
    again = run("portfolio", str(folder), "--out", str(out), "--as-of", "2026-06-01",
                "--force")
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() == page


def test_portfolio_of_a_missing_folder_is_a_usage_problem(tmp_path):
    result = run("portfolio", str(tmp_path / "nope"), "--out", str(tmp_path / "r.html"))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"postmortem portfolio: error: {tmp_path / 'nope'}: "
                                     "no such folder")
    assert run("portfolio", str(tmp_path), "--as-of", "soon").returncode == 2
