"""The autosaver: debounced, atomic, every version kept, merging what changed on disk."""

from __future__ import annotations

import os

from postmortem_kit.document import Postmortem, history
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


class Editing:
    """A document being edited, and the autosaver saving it."""

    def __init__(self, path, **kw) -> None:
        self.saver = Autosaver(path, lambda: self.pm, on_result=self.adopt, **kw)
        self.pm = self.saver.load()

    def adopt(self, result) -> None:
        if result.document is not None:  # as the form does: show what was merged in
            self.pm = result.document

    def edit(self, **overview) -> None:
        for key, value in overview.items():
            setattr(self.pm.overview, key, value)
        self.saver.request()


def edit_elsewhere(path, **overview) -> None:
    other = Postmortem.load(path)
    for key, value in overview.items():
        setattr(other.overview, key, value)
    other.save(path)


def test_edits_are_written_only_after_the_quiet_period(tmp_path, schedule):
    path = tmp_path / "pm.json"
    doc = Editing(path, delay=1.0, schedule=schedule)
    doc.edit(impact="one")
    doc.edit(impact="two")
    assert not path.exists() and doc.saver.state == "pending" and doc.saver.has_unsaved
    schedule.run_due()
    assert Postmortem.load(path).overview.impact == "two"
    assert doc.saver.state == "saved" and not doc.saver.has_unsaved


def test_a_minute_of_autosaves_is_one_version_in_the_history(tmp_path):
    path = tmp_path / "pm.json"
    doc = Editing(path, delay=0)
    for text in ("t", "ty", "typ", "typed"):
        doc.edit(impact=text)
    assert [Postmortem.from_json(v.read().decode()).overview.impact
            for v in history.versions(path)] == ["typed"]


def test_an_external_change_to_another_field_is_merged_not_overwritten(tmp_path):
    path = tmp_path / "pm.json"
    Postmortem().save(path)
    doc = Editing(path, delay=0)
    edit_elsewhere(path, severity="P1")
    doc.edit(impact="mine")
    saved = Postmortem.load(path)
    assert (saved.overview.impact, saved.overview.severity) == ("mine", "P1")
    assert doc.saver.state == "saved" and doc.saver.result.taken == ("overview.severity",)
    assert doc.pm.overview.severity == "P1"  # the editor takes it too


def test_the_same_field_changed_both_ways_waits_for_a_choice_and_the_file_keeps_theirs(
        tmp_path):
    path = tmp_path / "pm.json"
    Postmortem().save(path)
    doc = Editing(path, delay=0)
    edit_elsewhere(path, impact="theirs", severity="P0")
    doc.edit(impact="mine")
    assert doc.saver.state == "conflict"
    [conflict] = doc.saver.result.conflicts
    assert (conflict.id, conflict.mine, conflict.theirs) == ("overview.impact", "mine", "theirs")
    saved = Postmortem.load(path)
    assert (saved.overview.impact, saved.overview.severity) == ("theirs", "P0")
    # more edits while the choice waits are merged and saved; the contested field is not
    doc.edit(date="2026-03-14")
    saved = Postmortem.load(path)
    assert saved.overview.date.isoformat() == "2026-03-14" and saved.overview.impact == "theirs"
    doc.saver.choose("overview.impact", "mine")
    assert doc.saver.state == "saved" and Postmortem.load(path).overview.impact == "mine"
    # settled: the merge is the new base, so the next external edit merges plainly
    edit_elsewhere(path, impact="theirs again")
    doc.edit(severity="P2")
    saved = Postmortem.load(path)
    assert doc.saver.state == "saved" and doc.saver.result.taken == ("overview.impact",)
    assert (saved.overview.impact, saved.overview.severity) == ("theirs again", "P2")


def test_a_file_created_by_someone_else_is_merged_with_the_new_document(tmp_path):
    path = tmp_path / "pm.json"
    doc = Editing(path, delay=0)
    Postmortem(title="Theirs").save(path)
    doc.edit(impact="mine")
    saved = Postmortem.load(path)
    assert (saved.title, saved.overview.impact) == ("Theirs", "mine")


def test_touching_the_file_without_changing_it_is_not_a_change(tmp_path):
    path = tmp_path / "pm.json"
    Postmortem().save(path)
    doc = Editing(path, delay=0)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    doc.edit(impact="mine")
    assert doc.saver.state == "saved" and doc.saver.result.taken == ()


def test_an_unreadable_file_is_not_overwritten_until_the_author_says_so(tmp_path):
    path = tmp_path / "pm.json"
    Postmortem().save(path)
    doc = Editing(path, delay=0)
    path.write_text("{ a hand edit gone wrong")
    doc.edit(impact="mine")
    assert doc.saver.state == "conflict" and "cannot be read" in doc.saver.message
    assert path.read_text() == "{ a hand edit gone wrong"
    doc.saver.overwrite()
    assert Postmortem.load(path).overview.impact == "mine"
    assert history.versions(path)[-2].read() == b"{ a hand edit gone wrong"


def test_a_failed_write_keeps_the_edit_pending_and_retries(tmp_path):
    path = tmp_path / "missing-folder" / "pm.json"
    doc = Editing(path, delay=0)
    doc.edit(impact="mine")
    assert doc.saver.state == "error" and "could not save" in doc.saver.message
    assert doc.saver.has_unsaved
    path.parent.mkdir()
    doc.saver.flush()
    assert doc.saver.state == "saved" and Postmortem.load(path).overview.impact == "mine"


def test_a_quiet_flush_at_exit_keeps_an_unsettled_side_in_the_history(tmp_path):
    path = tmp_path / "pm.json"
    Postmortem().save(path)
    states = []
    doc = Editing(path, delay=10, schedule=lambda d, fn: (lambda: None),
                  on_state=states.append)
    edit_elsewhere(path, impact="theirs")
    doc.edit(impact="mine, typed just before the kernel exits")
    before = list(states)
    doc.saver.flush(quiet=True)
    assert states == before  # nothing told (no widget update while the kernel exits)
    assert Postmortem.load(path).overview.impact == "theirs"
    kept = [Postmortem.from_json(v.read().decode()).overview.impact
            for v in history.versions(path)]
    assert kept[-1] == "mine, typed just before the kernel exits"


def test_file_version_tells_content_changes_from_rewrites(tmp_path):
    path = tmp_path / "f"
    path.write_text("a")
    version = FileVersion.of(path)
    path.write_text("a")
    assert version.same_content(path)
    path.write_text("b")
    assert not version.same_content(path)
    assert FileVersion.of(tmp_path / "nope") is None
