"""The autosaver: debounced, atomic with a .bak, never writing over someone else's edit."""

from __future__ import annotations

import os

from postmortem_kit.widgets.autosave import Autosaver, Debouncer, FileVersion


def test_debouncer_runs_once_after_a_burst_of_triggers(schedule):
    calls = []
    debouncer = Debouncer(lambda: calls.append(1), 1.0, schedule)
    for _ in range(5):
        debouncer.trigger()
    assert calls == [] and debouncer.pending
    assert schedule.run_due() == 1
    assert calls == [1] and not debouncer.pending


def test_debouncer_flush_runs_the_waiting_call_now_and_only_once(schedule):
    calls = []
    debouncer = Debouncer(lambda: calls.append(1), 1.0, schedule)
    debouncer.trigger()
    debouncer.flush()
    debouncer.flush()
    assert calls == [1]
    assert schedule.run_due() == 0  # the scheduled call was cancelled


def test_edits_are_written_only_after_the_quiet_period(tmp_path, schedule):
    path = tmp_path / "pm.json"
    saver = Autosaver(path, delay=1.0, schedule=schedule)
    saver.request("one\n")
    saver.request("two\n")
    assert not path.exists() and saver.state == "pending" and saver.has_unsaved
    schedule.run_due()
    assert path.read_text() == "two\n" and saver.state == "saved" and not saver.has_unsaved


def test_each_save_keeps_the_previous_file_as_bak(tmp_path):
    path = tmp_path / "pm.json"
    saver = Autosaver(path, delay=0)
    saver.request("first\n")
    saver.request("second\n")
    assert path.read_text() == "second\n"
    assert (tmp_path / "pm.json.bak").read_text() == "first\n"


def test_an_external_change_stops_saving_until_the_user_decides(tmp_path):
    path = tmp_path / "pm.json"
    path.write_text("original\n")
    states = []
    saver = Autosaver(path, delay=0, on_state=states.append)
    path.write_text("theirs\n")
    saver.request("mine\n")
    assert saver.state == "conflict" and states[-1] == "conflict"
    assert path.read_text() == "theirs\n"
    saver.request("mine, edited again\n")  # more edits while in conflict: still not written
    saver.flush()
    assert path.read_text() == "theirs\n" and saver.has_unsaved
    saver.keep_mine()
    assert path.read_text() == "mine, edited again\n" and saver.state == "saved"
    assert (tmp_path / "pm.json.bak").read_text() == "theirs\n"


def test_a_file_created_by_someone_else_is_a_conflict_too(tmp_path):
    path = tmp_path / "pm.json"
    saver = Autosaver(path, delay=0)
    path.write_text("theirs\n")
    saver.request("mine\n")
    assert saver.state == "conflict" and path.read_text() == "theirs\n"


def test_touching_the_file_without_changing_it_is_not_a_conflict(tmp_path):
    path = tmp_path / "pm.json"
    path.write_text("same\n")
    saver = Autosaver(path, delay=0)
    stat = path.stat()

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    saver.request("mine\n")
    assert saver.state == "saved" and path.read_text() == "mine\n"


def test_a_failed_write_keeps_the_edit_pending_and_retries(tmp_path):
    path = tmp_path / "missing-folder" / "pm.json"
    saver = Autosaver(path, delay=0)
    saver.request("mine\n")
    assert saver.state == "error" and "could not save" in saver.message and saver.has_unsaved
    path.parent.mkdir()
    saver.flush()
    assert saver.state == "saved" and path.read_text() == "mine\n"


def test_file_version_tells_content_changes_from_rewrites(tmp_path):
    path = tmp_path / "f"
    path.write_text("a")
    version = FileVersion.of(path)
    path.write_text("a")
    assert version.same_content(path)
    path.write_text("b")
    assert not version.same_content(path)
    assert FileVersion.of(tmp_path / "nope") is None
