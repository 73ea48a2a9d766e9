"""The history beside a document: every version kept, none lost to the next save."""

from __future__ import annotations

import datetime as dt

import pytest

from postmortem_kit.document import Postmortem, history
from postmortem_kit.document.storage import atomic_write_text
from postmortem_kit.errors import InputError

T0 = dt.datetime(2026, 3, 14, 13, 0, tzinfo=dt.UTC)


def texts(path) -> list[str]:
    return [v.read().decode() for v in history.versions(path)]


def test_a_version_written_by_someone_else_is_recorded_before_it_is_replaced(tmp_path):
    path = tmp_path / "postmortem.json"
    atomic_write_text(path, "mine 1\n")
    path.write_text("a teammate's edit\n")  # a hand edit, a git pull: no record of it yet
    atomic_write_text(path, "mine 2\n")
    atomic_write_text(path, "mine 3\n")
    assert texts(path) == ["mine 1\n", "a teammate's edit\n", "mine 2\n", "mine 3\n"]


def test_an_autosave_right_after_its_own_save_replaces_that_record(tmp_path):
    path = tmp_path / "pm.json"
    history.record(path, b"typed a", now=T0)
    history.record(path, b"typed ab", replace=history.sha(b"typed a"),
                   now=T0 + dt.timedelta(seconds=5))
    assert texts(path) == ["typed ab"]
    # a minute later the next autosave is a version of its own
    history.record(path, b"typed abc", replace=history.sha(b"typed ab"),
                   now=T0 + dt.timedelta(seconds=70))
    assert texts(path) == ["typed ab", "typed abc"]


def test_a_teammates_version_is_never_replaced_by_an_autosave(tmp_path):
    path = tmp_path / "pm.json"
    history.record(path, b"mine", now=T0)
    history.record(path, b"theirs", now=T0 + dt.timedelta(seconds=1))
    history.record(path, b"mine again", replace=history.sha(b"mine"),
                   now=T0 + dt.timedelta(seconds=2))
    assert texts(path) == ["mine", "theirs", "mine again"]


def test_only_the_newest_versions_are_kept_and_repeats_are_not_recorded(tmp_path):
    path = tmp_path / "pm.json"
    for i in range(25):
        history.record(path, f"v{i}".encode(), now=T0 + dt.timedelta(minutes=i))
        history.record(path, f"v{i}".encode(), now=T0 + dt.timedelta(minutes=i, seconds=1))
    assert texts(path) == [f"v{i}" for i in range(5, 25)]
    names = [v.path.name for v in history.versions(path)]
    assert names == sorted(names) and names[0].startswith("20260314T130500.000000Z-")


def test_records_in_the_same_microsecond_keep_their_order(tmp_path):
    path = tmp_path / "pm.json"
    for text in (b"a", b"b", b"c"):
        history.record(path, text, now=T0)
    assert texts(path) == ["a", "b", "c"]


def test_find_takes_a_number_an_id_or_a_hash(tmp_path):
    path = tmp_path / "pm.json"
    for i in range(3):
        history.record(path, f"v{i}".encode(), now=T0 + dt.timedelta(minutes=i))
    have = history.versions(path)
    assert history.find(path, "1") == have[0] and history.find(path, "-1") == have[2]
    assert history.find(path, have[1].id) == have[1]
    assert history.find(path, have[1].sha[:6]) == have[1]
    with pytest.raises(InputError, match=r"'9' is no version: give a number from 1 to 3"):
        history.find(path, "9")
    with pytest.raises(InputError, match="matches several versions"):
        history.find(path, "2026")


def test_no_history_is_an_input_error_naming_the_folder(tmp_path):
    with pytest.raises(InputError, match=r"no saved versions .*\.pm\.json\.history"):
        history.find(tmp_path / "pm.json", "1")


def test_saving_a_document_twice_keeps_both(tmp_path):
    path = tmp_path / "postmortem.json"
    Postmortem(title="first").save(path)
    Postmortem(title="second").save(path)
    assert [Postmortem.from_json(t).title for t in texts(path)] == ["first", "second"]


def test_read_all_skips_a_version_replaced_while_listing(tmp_path, monkeypatch):
    """An autosave coalescing its own record between the listing and the read."""
    path = tmp_path / "postmortem.json"
    history.record(path, b'{"v": 1}')
    listed = history.versions(path)
    gone = history.Version("20990101T000000.000000Z-0000000000", listed[0].time, "0000000000",
                           history.folder(path) / "20990101T000000.000000Z-0000000000.json")
    monkeypatch.setattr(history, "versions", lambda _: [*listed, gone])
    assert [data for _, data in history.read_all(path)] == [b'{"v": 1}']
