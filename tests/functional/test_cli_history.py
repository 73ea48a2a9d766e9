"""`postmortem history` and `postmortem restore`: list the saved versions, bring one back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from postmortem_kit.document import Postmortem, history


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "postmortem_kit", *args],
                          capture_output=True, text=True, timeout=120)


def three_versions(tmp_path: Path) -> Path:
    path = tmp_path / "postmortem.json"
    Postmortem(title="first").save(path)
    Postmortem(title="second", overview={"severity": "P1"}).save(path)
    path.write_text(Postmortem(title="a teammate's", overview={"severity": "P1"}).to_json())
    Postmortem(title="third", overview={"severity": "P2"}).save(path)
    return path


def test_history_lists_each_version_with_the_fields_it_changed(tmp_path):
    path = three_versions(tmp_path)
    result = run("history", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 4
    ids = [v.id for v in history.versions(path)]
    for number, (line, vid) in enumerate(zip(lines, ids, strict=True), start=1):
        assert line.split()[:2] == [str(number), vid]
    assert lines[0].endswith("(first recorded)")
    assert lines[1].endswith("title, overview.severity")
    assert lines[2].endswith("  title")  # the hand edit is a version too
    assert lines[3].endswith("title, overview.severity")


def test_restore_brings_a_version_back_and_is_itself_undoable(tmp_path):
    path = three_versions(tmp_path)
    result = run("restore", str(path), "2")
    assert result.returncode == 0, result.stderr
    assert Postmortem.load(path).title == "second"
    # the version replaced by the restore is the newest but one: restore it again
    assert run("restore", str(path), "-2").returncode == 0
    assert Postmortem.load(path).title == "third"


def test_restore_refuses_a_broken_version_unless_forced(tmp_path):
    path = tmp_path / "postmortem.json"
    path.write_text('{"schema_version": 1, "overview": {"severity": "P9"}}\n')
    Postmortem(title="fixed").save(path)  # records the broken hand edit first
    result = run("restore", str(path), "1")
    assert result.returncode == 2 and result.stdout == ""
    assert "is not a valid postmortem (overview.severity" in result.stderr
    assert "--force" in result.stderr and len(result.stderr.splitlines()) == 1
    assert Postmortem.load(path).title == "fixed"
    assert run("restore", str(path), "1", "--force").returncode == 0
    assert "P9" in path.read_text()


def test_an_unknown_version_and_a_file_without_history_are_usage_errors(tmp_path):
    path = three_versions(tmp_path)
    result = run("restore", str(path), "99")
    assert result.returncode == 2 and "'99' is no version" in result.stderr
    fresh = tmp_path / "new.json"
    fresh.write_text(Postmortem().to_json())
    assert "no saved versions yet" in run("history", str(fresh)).stdout
    result = run("history", str(tmp_path / "missing.json"))
    assert result.returncode == 2 and "no such file" in result.stderr
