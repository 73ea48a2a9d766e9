"""postmortem.json: round trip, atomic saves kept in a history, errors that name the field."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from postmortem_kit.document import Postmortem, history
from postmortem_kit.errors import DocumentError, InputError


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


def _titles(path) -> list[str]:
    return [Postmortem.from_json(v.read().decode()).title for v in history.versions(path)]


def test_save_keeps_every_version_in_the_history_beside_the_file(tmp_path):
    path = tmp_path / "postmortem.json"
    Postmortem(title="first").save(path)
    Postmortem(title="second").save(path)
    assert Postmortem.load(path).title == "second"
    assert _titles(path) == ["first", "second"]
    assert not (tmp_path / "postmortem.json.bak").exists()


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
    assert sorted(p.name for p in tmp_path.iterdir()) == [".postmortem.json.history",
                                                          "postmortem.json"]
    assert _titles(path) == ["good"]  # no temporary file left in the history either


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


def _kill_a_saver(path, delay: float) -> None:
    """Start a process saving to ``path`` over and over; SIGKILL it after ``delay`` s."""
    proc = subprocess.Popen([sys.executable, "-c", _SAVER, str(path)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()


def test_killing_the_process_mid_save_never_leaves_a_broken_file(tmp_path):
    path = tmp_path / "postmortem.json"
    Postmortem(title="version 0").save(path)
    for delay in (0.15, 0.3, 0.45, 0.6, 0.75):
        _kill_a_saver(path, delay)
        assert Postmortem.load(path).title.startswith("version ")
        for version in history.versions(path):
            assert Postmortem.from_json(version.read().decode()).title.startswith("version ")
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


# -- a symlinked postmortem.json is saved through to its target -------------------------------

def _linked_document(tmp_path):
    """``notebooks/postmortem.json`` -> ``../docs/postmortem.json`` (a relative link, as
    people make them to keep the document beside several notebooks)."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "notebooks").mkdir()
    target = tmp_path / "docs" / "postmortem.json"
    Postmortem(title="first").save(target)
    link = tmp_path / "notebooks" / "postmortem.json"
    link.symlink_to(os.path.join("..", "docs", "postmortem.json"))
    return link, target


def test_saving_through_a_symlink_updates_the_target_and_keeps_the_link(tmp_path):
    link, target = _linked_document(tmp_path)
    Postmortem(title="second").save(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "docs", "postmortem.json")
    assert Postmortem.load(target).title == "second"
    # the history and any temporary file belong beside the real file, not the link
    assert _titles(target) == _titles(link) == ["first", "second"]
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == [
        ".postmortem.json.history", "postmortem.json"]
    assert sorted(p.name for p in (tmp_path / "notebooks").iterdir()) == ["postmortem.json"]


def test_saving_through_a_chain_of_symlinks_reaches_the_last_target(tmp_path):
    link, target = _linked_document(tmp_path)
    outer = tmp_path / "latest.json"
    outer.symlink_to(link)
    Postmortem(title="second").save(outer)
    assert outer.is_symlink() and link.is_symlink()
    assert Postmortem.load(target).title == "second"


def test_a_dangling_symlink_is_saved_through_to_the_file_it_names(tmp_path):
    link = tmp_path / "postmortem.json"
    link.symlink_to("real.json")
    Postmortem(title="new").save(link)
    assert link.is_symlink()
    assert Postmortem.load(tmp_path / "real.json").title == "new"


def test_the_form_autosave_also_saves_through_a_symlink(tmp_path):
    from postmortem_kit.widgets.autosave import Autosaver

    link, target = _linked_document(tmp_path)
    doc = {"pm": Postmortem(title="second")}
    saver = Autosaver(link, lambda: doc["pm"], delay=0)
    saver.request()
    doc["pm"] = Postmortem(title="third")
    saver.request()
    assert saver.state == "saved", saver.message  # its own save is not someone else's edit
    assert saver.result.taken == ()
    assert link.is_symlink()
    assert Postmortem.load(target).title == "third"
    assert _titles(target)[-1] == "third"


def test_killing_the_process_mid_save_through_a_symlink_leaves_link_and_target_whole(tmp_path):
    link, target = _linked_document(tmp_path)
    for delay in (0.2, 0.5):
        _kill_a_saver(link, delay)
        assert link.is_symlink()
        assert Postmortem.load(target).title.startswith("version ")
    assert Postmortem.load(target).title != "first", "no save completed: the test proved nothing"


# -- files that are not a postmortem at all ---------------------------------------------------

DEPTH = 100_000


@pytest.mark.parametrize("text", [
    "[" * DEPTH + "]" * DEPTH,
    '{"a": ' * DEPTH + "1" + "}" * DEPTH,
    "[" * DEPTH,  # truncated as well as deep
    '{"schema_version": 1, "title": ' + "[" * DEPTH + "]" * DEPTH + "}",
], ids=["arrays", "objects", "unclosed", "inside-a-field"])
def test_absurdly_deep_json_is_a_document_error_not_a_recursion_error(tmp_path, text):
    path = tmp_path / "deep.json"
    path.write_text(text)
    with pytest.raises(DocumentError, match="nested too deeply") as info:
        Postmortem.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("content", "expected"), [
    (b"", r"line 1, column 1: invalid JSON: Expecting value"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", r"byte 0: not valid UTF-8"),
    (b"# A Markdown report\n", r"line 1, column 1: invalid JSON"),
    (b'{"schema_version": ' + b"1" * 5000 + b"}", r"\(document\): invalid JSON: a number with "
                                                  r"more than \d+ digits"),
    (b"[1, 2, 3]", r"\(document\): expected a JSON object"),
], ids=["empty", "binary", "markdown", "huge-number", "array"])
def test_a_file_that_is_not_a_json_document_names_the_file_and_where(tmp_path, content,
                                                                     expected):
    path = tmp_path / "pm.json"
    path.write_bytes(content)
    with pytest.raises(DocumentError, match=expected) as info:
        Postmortem.load(path)
    assert str(info.value).startswith(f"{path}: ")


def test_a_byte_order_mark_from_a_windows_editor_is_read_past(tmp_path):
    path = tmp_path / "pm.json"
    path.write_bytes(b"\xef\xbb\xbf" + Postmortem(title="notepad").to_json().encode())
    assert Postmortem.load(path).title == "notepad"


def _load_with_deadline(load, path, seconds=5.0):
    """Run ``load(path)`` in a thread; a read blocked on a FIFO is released by opening its
    writing end, so a hang fails the test instead of hanging the run."""
    outcome = {}

    def run():
        try:
            outcome["value"] = load(path)
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(seconds)
        pytest.fail(f"loading {path} did not return within {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.mark.parametrize("name", ["postmortem.json", "report.md"])
def test_a_named_pipe_is_refused_instead_of_read_forever(tmp_path, name):
    from postmortem_kit.document.io import read_document

    fifo = tmp_path / name
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe") as info:
        _load_with_deadline(read_document, fifo)
    assert str(fifo) in str(info.value)
    with pytest.raises(InputError, match="named pipe"):
        _load_with_deadline(Postmortem.load, fifo)


def test_a_device_or_folder_is_refused_by_name(tmp_path):
    with pytest.raises(InputError, match=r"^/dev/null: .*character device"):
        Postmortem.load("/dev/null")
    with pytest.raises(InputError, match="folder"):
        Postmortem.load(tmp_path)


def test_saving_over_a_named_pipe_is_refused_and_does_not_block(tmp_path):
    fifo = tmp_path / "postmortem.json"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        _load_with_deadline(Postmortem(title="x").save, fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


# ZoneInfo reads the name as a file path: a folder or an over-long name raised OSError.
@pytest.mark.parametrize("zone", ["America", "x" * 300], ids=["a-folder", "too-long"])
def test_a_time_zone_that_is_not_a_zone_name_is_a_field_error(tmp_path, zone):
    path = tmp_path / "pm.json"
    path.write_text(json.dumps({"schema_version": 1, "timezone": zone}))
    with pytest.raises(DocumentError) as info:
        Postmortem.load(path)
    (where, what), = info.value.problems
    assert where == "timezone" and what.startswith(f"unknown time zone {zone!r}")
