"""postmortem.json: round trip, atomic saves with a .bak, and errors that name the field."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.errors import DocumentError


def test_save_then_load_gives_an_equal_document(tmp_path, example_json):
    pm = Postmortem.load(example_json)
    pm.save(tmp_path / "postmortem.json")
    assert Postmortem.load(tmp_path / "postmortem.json") == pm


def test_file_carries_schema_version_and_utc_times(tmp_path):
    Postmortem(timezone="Europe/Berlin", overview={"start": "2026-03-14 14:07"}).save(
        tmp_path / "pm.json")
    data = json.loads((tmp_path / "pm.json").read_text())
    assert data["schema_version"] == 1
    assert data["timezone"] == "Europe/Berlin"
    assert data["overview"]["start"] == "2026-03-14T13:07:00Z"


def test_save_keeps_the_previous_version_as_bak(tmp_path):
    path = tmp_path / "postmortem.json"
    Postmortem(title="first").save(path)
    assert not (tmp_path / "postmortem.json.bak").exists()
    Postmortem(title="second").save(path)
    assert Postmortem.load(path).title == "second"
    assert Postmortem.load(tmp_path / "postmortem.json.bak").title == "first"


def test_failed_save_leaves_the_old_file_and_no_temporary_files(tmp_path, monkeypatch):
    path = tmp_path / "postmortem.json"
    Postmortem(title="good").save(path)

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        Postmortem(title="never written").save(path)
    monkeypatch.undo()
    assert Postmortem.load(path).title == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["postmortem.json"]


_SAVER = textwrap.dedent("""
    import sys
    from postmortem_kit.document import Postmortem
    path = sys.argv[1]
    print("ready", flush=True)
    i = 0
    while True:
        i += 1
        # large documents make each write take long enough to be interrupted mid-way
        Postmortem(title=f"version {i}", went_well=[f"item {i} " + "x" * 2000] * 300).save(path)
""")


def test_killing_the_process_mid_save_never_leaves_a_broken_file(tmp_path):
    path = tmp_path / "postmortem.json"
    Postmortem(title="version 0").save(path)
    for delay in (0.15, 0.3, 0.45, 0.6, 0.75):
        proc = subprocess.Popen([sys.executable, "-c", _SAVER, str(path)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert Postmortem.load(path).title.startswith("version ")
        if (tmp_path / "postmortem.json.bak").exists():
            assert Postmortem.load(tmp_path / "postmortem.json.bak").title.startswith("version ")
    title = Postmortem.load(path).title
    assert title != "version 0", "the saver never completed a save: the test proved nothing"


def test_invalid_json_names_the_line_and_column(tmp_path):
    path = tmp_path / "pm.json"
    path.write_text('{\n  "schema_version": 1,\n  "title": "x"\n  "timezone": "UTC"\n}\n')
    with pytest.raises(DocumentError) as info:
        Postmortem.load(path)
    assert str(info.value) == f"{path}: line 4, column 3: invalid JSON: Expecting ',' delimiter"


def test_bad_fields_in_a_file_are_all_listed(tmp_path):
    path = tmp_path / "pm.json"
    path.write_text(json.dumps({
        "schema_version": 1,
        "overview": {"severity": "P5", "date": "2026-13-45"},
        "key_events": [{"event": "no time given"}],
    }))
    with pytest.raises(DocumentError) as info:
        Postmortem.load(path)
    assert {w for w, _ in info.value.problems} == {
        "overview.severity", "overview.date", "key_events[0].time"}
    assert str(path) in str(info.value)


def test_file_from_a_newer_version_says_so(tmp_path):
    path = tmp_path / "pm.json"
    path.write_text(json.dumps({"schema_version": 9}))
    with pytest.raises(DocumentError, match=r"newer postmortem-kit \(version 9\)"):
        Postmortem.load(path)


def test_missing_schema_version_is_an_error(tmp_path):
    path = tmp_path / "pm.json"
    path.write_text(json.dumps({"title": "x"}))
    with pytest.raises(DocumentError, match="schema_version: required"):
        Postmortem.load(path)


def test_unknown_fields_are_refused_rather_than_dropped(tmp_path):
    path = tmp_path / "pm.json"
    path.write_text(json.dumps({"schema_version": 1, "impact": {"users": 5}}))
    with pytest.raises(DocumentError, match=r"impact\.users: unknown field"):
        Postmortem.load(path)


def test_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "pm.json"
    path.write_bytes(b'{"schema_version": 1, "title": "\xff"}')
    with pytest.raises(DocumentError, match="not valid UTF-8"):
        Postmortem.load(path)
