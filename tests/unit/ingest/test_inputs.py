"""What ``read_events`` is given: standard input, pipes, devices, links, folders, globs."""

from __future__ import annotations

import io
import json
import os
import socket
import sys
import threading
import warnings
from pathlib import Path

import pandas as pd
import pytest

from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.registry import FORMATS, Format

T0 = 1714557600  # 2024-05-01T10:00:00Z


def records(n: int, start: int = 0) -> bytes:
    return "".join(json.dumps({"ts": T0 + i, "level": "info", "msg": f"m{i}"}) + "\n"
                   for i in range(start, start + n)).encode()


def with_bad_line(n: int, bad_at: int) -> bytes:
    """``n`` records, line ``bad_at`` (1-based) replaced by broken JSON."""
    lines = records(n).splitlines(keepends=True)
    lines[bad_at - 1] = b"{this is not json\n"  # (plain text would continue a record)
    return b"".join(lines)


def quiet(*args, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IngestWarning)
        return read_events(*args, **kw)


def write_in_background(path: str | int, data: bytes) -> threading.Thread:
    """Write ``data`` to a pipe (a FIFO path or a file descriptor) from another thread, as
    a producer would: opening a FIFO blocks until a reader comes."""
    def run():
        try:
            with open(path, "wb") as f:
                f.write(data)
        except BrokenPipeError:
            pass  # the reader went away early: the test's asserts say so

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_stdin_as_dash_is_read_once_and_every_line_keeps_its_number(monkeypatch):
    read_fd, write_fd = os.pipe()
    data = with_bad_line(3000, bad_at=1500)  # ~200 KB: more than one buffered read
    write_in_background(write_fd, data)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(open(read_fd, "rb")))
    ev = quiet("-")
    assert len(ev) == 2999
    assert sorted(ev["line"]) == [n for n in range(1, 3001) if n != 1500]
    assert set(ev["source"]) == {"stdin"}
    rej = ev.attrs["rejected"]
    assert list(rej["file"]) == ["stdin"]
    assert list(rej["line"]) == [1500]


def load_fifo(fifo: Path) -> pd.DataFrame:
    """``read_events(fifo)`` on a thread, failing the test (not hanging it) when the load
    does not finish."""
    result: dict = {}

    def load():
        try:
            result["events"] = quiet(fifo)
        except Exception as exc:  # reported below
            result["error"] = exc

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    loader.join(timeout=60)
    if loader.is_alive():  # a second open of the pipe waits for a writer: give it one
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("reading a named pipe hung")
    if "error" in result:
        raise result["error"]
    return result["events"]


def test_a_named_pipe_is_read_once_and_completely(tmp_path):
    fifo = tmp_path / "events.jsonl"
    os.mkfifo(fifo)
    write_in_background(fifo, with_bad_line(3000, bad_at=2000))
    ev = load_fifo(fifo)
    assert sorted(ev["line"]) == [n for n in range(1, 3001) if n != 2000]
    assert set(ev["source"]) == {"events"}
    rej = ev.attrs["rejected"]
    assert list(rej["file"]) == [str(fifo)]
    assert list(rej["line"]) == [2000]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_character_device_named_explicitly_is_refused(device):
    with pytest.raises(IngestError) as info:
        read_events(device, format="jsonl")
    assert str(info.value) == f"{device}: is a character device, not a file"
    assert info.value.exit_code == 2


def test_a_socket_named_explicitly_is_refused(tmp_path):
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(IngestError) as info:
            read_events(path)
    assert str(info.value) == f"{path}: is a socket, not a file"
    assert info.value.exit_code == 2


def test_dev_null_is_an_empty_input():
    ev = quiet("/dev/null")
    assert len(ev) == 0
    assert ev.attrs["notes"] == ["/dev/null: empty file, nothing to load"]


def test_pipes_and_sockets_found_in_a_folder_are_skipped_with_a_note(tmp_path):
    (tmp_path / "app.jsonl").write_bytes(records(3))
    os.mkfifo(tmp_path / "live.jsonl")  # no writer: opening it would wait forever
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "agent.sock"))
        ev = quiet(tmp_path)
    assert len(ev) == 3
    assert ev.attrs["notes"] == [
        f"{tmp_path / 'agent.sock'}: skipped: is a socket, not a file",
        f"{tmp_path / 'live.jsonl'}: skipped: is a named pipe (name it on its own to read it)",
    ]


def test_a_folder_linking_to_itself_is_read_once_and_the_loop_is_noted(tmp_path):
    root = tmp_path / "logs"
    root.mkdir()
    (root / "a.jsonl").write_bytes(records(2))
    (root / "self").symlink_to(".")
    ev = quiet(root)
    assert sorted(ev["message"]) == ["m0", "m1"]
    assert ev.attrs["notes"] == [f"{root / 'self'}: skipped: a symbolic link loop back to {root}"]


def test_a_subfolder_linking_to_its_parent_is_not_followed_back(tmp_path):
    root = tmp_path / "logs"
    (root / "sub").mkdir(parents=True)
    (root / "a.jsonl").write_bytes(records(2))
    (root / "sub" / "b.jsonl").write_bytes(records(3, start=2))
    (root / "sub" / "up").symlink_to("..")
    ev = quiet(root)
    assert sorted(ev["message"]) == [f"m{i}" for i in range(5)]
    assert ev.attrs["notes"] == [
        f"{root / 'sub' / 'up'}: skipped: a symbolic link loop back to {root}"]


def test_two_links_to_one_file_load_it_once(tmp_path):
    (tmp_path / "app.jsonl").write_bytes(records(4))
    (tmp_path / "current.jsonl").symlink_to("app.jsonl")
    (tmp_path / "latest.jsonl").symlink_to(tmp_path / "app.jsonl")
    ev = quiet(tmp_path)
    assert sorted(ev["message"]) == ["m0", "m1", "m2", "m3"]
    assert ev.attrs["notes"] == [
        f"{tmp_path / 'current.jsonl'}: skipped: same file as {tmp_path / 'app.jsonl'}",
        f"{tmp_path / 'latest.jsonl'}: skipped: same file as {tmp_path / 'app.jsonl'}",
    ]
    # named one by one, too
    ev = quiet([tmp_path / "app.jsonl", tmp_path / "current.jsonl"])
    assert len(ev) == 4


def test_a_broken_link_in_a_folder_is_noted(tmp_path):
    (tmp_path / "app.jsonl").write_bytes(records(1))
    (tmp_path / "gone.jsonl").symlink_to(tmp_path / "rotated-away.jsonl")
    ev = quiet(tmp_path)
    assert len(ev) == 1
    assert ev.attrs["notes"] == [f"{tmp_path / 'gone.jsonl'}: skipped: broken symbolic link"]


def test_a_folder_format_folder_given_a_line_format_is_walked_not_opened(tmp_path, monkeypatch):
    fmt = Format("fake-export", lambda p, ctx: pd.DataFrame(),
                 lambda p, head: 1.0 if p.name == "export" else 0.0, "chat", folder=True)
    monkeypatch.setitem(FORMATS, "fake-export", fmt)
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "one.log").write_bytes(records(2))
    (tmp_path / "export" / "two.log").write_bytes(records(1, start=2))
    ev = read_events(tmp_path / "export", format="jsonl")
    assert list(ev["message"]) == ["m0", "m1", "m2"]


def test_a_missing_path_an_empty_glob_and_an_empty_folder_are_unusable(tmp_path):
    for paths, message in [
        (tmp_path / "nope.log", f"{tmp_path / 'nope.log'}: no such file or folder"),
        (str(tmp_path / "*.gz"), f"no file matches {str(tmp_path / '*.gz')!r}"),
        (tmp_path, f"no files to load in {[str(tmp_path)]!r}"),
    ]:
        with pytest.raises(IngestError) as info:
            read_events(paths)
        assert str(info.value) == message
        assert info.value.exit_code == 2


def test_a_file_no_format_recognises_is_unusable(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(IngestError, match="no format recognises") as info:
        read_events(path)
    assert info.value.exit_code == 2


def test_a_spooled_copy_of_a_pipe_is_removed_after_the_load(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    fifo = tmp_path / "in.jsonl"
    os.mkfifo(fifo)
    write_in_background(fifo, records(5))
    assert len(load_fifo(fifo)) == 5
    assert list(Path(tmp_path / "tmp").iterdir()) == []
