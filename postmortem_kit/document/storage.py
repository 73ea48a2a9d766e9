"""``postmortem.json``: reading it with errors that name every bad field, writing it atomically.

A save never leaves a broken file: the new text goes to a temporary file in the same folder,
is fsynced, and replaces the old file with one ``os.replace`` (atomic on POSIX and Windows).
Every version saved, and every version a save replaced that no record had yet, is kept in
the history folder beside the file (:mod:`~postmortem_kit.document.history`), so a bad edit
or an overwritten teammate's change is ``postmortem restore`` away. A symlinked
``postmortem.json`` is saved through to the file it points to: the link stays a link, and
the temporary file and the history live beside the real file.

Reading refuses anything but a regular file (a named pipe would block forever, a device
might never end), and every way a file can fail to be a document (not UTF-8, not JSON,
nested absurdly deep, invalid fields) is a :class:`~postmortem_kit.errors.DocumentError`
naming the file.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from postmortem_kit.atomic import write_bytes
from postmortem_kit.document import history
from postmortem_kit.document.model import SCHEMA_VERSION, Postmortem
from postmortem_kit.errors import DocumentError, InputError


def json_path(loc: tuple[int | str, ...]) -> str:
    """Turn a pydantic error location into a JSON path: ``key_events[2].time``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


def _describe(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        if error["loc"] and error["loc"][-1] == "duration":
            return "duration is derived from start and end; remove it"
        return "unknown field (not part of the postmortem template)"
    if kind == "too_short" and isinstance(error.get("input"), str):
        # pydantic says "at least 1 item after validation": the text was only blanks.
        return f"must not be empty (got {error['input']!r})"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if "input" in error and not isinstance(error["input"], dict | list):
        message += f" (got {error['input']!r})"
    return message


def validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Every problem of a ``ValidationError`` as ``(json_path, what was expected)``."""
    problems = []
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        problems.append((json_path(loc), _describe(error)))
    return problems


def from_dict(data: Any, source: str | None = None) -> Postmortem:
    """Validate a decoded JSON document; raises DocumentError listing every bad field."""
    if not isinstance(data, dict):
        raise DocumentError([("(document)", "expected a JSON object")], source)
    version = data.get("schema_version")
    if version is None:
        raise DocumentError([("schema_version", "required field is missing (expected 1)")],
                            source)
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise DocumentError(
            [("schema_version", f"written by a newer postmortem-kit (version {version}); "
              f"this one reads version {SCHEMA_VERSION}: upgrade postmortem-kit")],
            source,
        )
    try:
        return Postmortem.model_validate(data)
    except ValidationError as exc:
        raise DocumentError(validation_problems(exc), source) from None


def from_json(text: str, source: str | None = None) -> Postmortem:
    """Parse the JSON text of a postmortem file."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise DocumentError([(where, f"invalid JSON: {exc.msg}")], source) from None
    except RecursionError:
        # json recurses once per nested array/object; a document is a few levels deep.
        raise DocumentError([("(document)", "invalid JSON: arrays/objects nested too deeply "
                              f"(more than about {sys.getrecursionlimit()} levels)")],
                            source) from None
    except ValueError:
        # The only other ValueError json raises (it gives no position): an integer longer
        # than Python converts to int (sys.get_int_max_str_digits, a guard against DoS).
        raise DocumentError([("(document)", "invalid JSON: a number with more than "
                              f"{sys.get_int_max_str_digits()} digits")], source) from None
    return from_dict(data, source)


def to_json(pm: Postmortem) -> str:
    """The document as the JSON text written to ``postmortem.json`` (UTF-8, stable order)."""
    return pm.model_dump_json(indent=2) + "\n"


def load(path: str | os.PathLike[str]) -> Postmortem:
    """Read ``path``; raises DocumentError naming the file and every bad field."""
    return from_json(read_text(path), source=str(path))


def read_text(path: str | os.PathLike[str]) -> str:
    """The text of a document file (UTF-8, a leading byte order mark dropped).

    Raises InputError when ``path`` is not a regular file and DocumentError when it is not
    UTF-8, both naming the file.
    """
    data = read_regular_file(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError([(f"byte {exc.start}", "not valid UTF-8")], str(path)) from None


_SPECIAL_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                  (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                  (stat.S_ISSOCK, "a socket"))


def refuse_special(path: str | os.PathLike[str], mode: int, doing: str) -> None:
    """Raise InputError naming ``path`` and what it is unless ``mode`` is a regular file's:
    reading a folder fails, a named pipe waits for a writer, a device may never end."""
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _SPECIAL_KINDS if test(mode)), "a special file")
    raise InputError(f"{os.fspath(path)}: is {kind}, not a regular file: {doing}")


def read_regular_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of ``path``; raises InputError naming it when it is not a regular file.

    The file is opened without blocking and checked on the open descriptor, so a named pipe
    is refused at once (a plain open would wait for a writer) and a file swapped for a
    device between a check and the read cannot slip through.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        refuse_special(path, os.fstat(fd).st_mode, "expected a postmortem document file")
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        return handle.read()


def atomic_write_text(path: str | os.PathLike[str], text: str, *, keep_history: bool = True,
                      supersedes: str | None = None) -> None:
    """Replace ``path`` with ``text`` so that a crash at any moment leaves a whole file.

    With ``keep_history``, the file being replaced is first recorded in the history unless
    it already is its newest version, and then the new text is (see
    :func:`~postmortem_kit.document.history.record`; ``supersedes`` is the hash of the
    writer's own previous save, which an autosave a moment later replaces). When ``path``
    is a symlink (or a chain of them), the file it points to is replaced and the link is
    kept; the history goes beside that file. An existing ``path`` that is not a regular
    file (a named pipe, a device) is refused with InputError.
    """
    # Renaming onto the link itself would turn it into a file and leave its target stale.
    target = Path(os.path.realpath(path))
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    data = text.encode("utf-8")
    if mode is not None:
        refuse_special(path, mode, "refusing to replace it with a document")
        if keep_history:
            old = read_regular_file(target)
            if old != data:
                history.record(target, old)
    # A document goes where its author said: a missing folder is an error, not created.
    write_bytes(target, data, create_folder=False)
    if keep_history:
        history.record(target, data, replace=supersedes)


def save(pm: Postmortem, path: str | os.PathLike[str]) -> None:
    """Write ``pm`` to ``path`` atomically; the version replaced stays in the history."""
    atomic_write_text(path, to_json(pm))
