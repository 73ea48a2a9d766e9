"""Atomic file writes: a crash at any moment leaves the old file or the new one, whole.

Every file the package writes for a user (documents, reports, Parquet frames, notebooks)
goes through :func:`atomic_output`: a temporary file beside the target, flushed to disk,
given the target's permissions, then renamed over it in one ``os.replace``, and the folder
entry flushed so the rename survives a power cut.

A target that is a character device or a FIFO (``-o /dev/null``, ``/dev/stdout``, a pipe)
is written into, not renamed over: renaming over ``/dev/null`` as root replaces the device
with a regular file, for every program on the machine. Other special files (a block
device, a socket) are refused.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(path: str | os.PathLike[str], *, create_folder: bool = True,
                  ) -> Iterator[Path]:
    """A temporary path beside ``path``; when the block ends without error it replaces
    ``path`` in one ``os.replace``, otherwise it is removed. With ``create_folder`` a
    missing folder is created first; without it, writing there fails (OSError).

    Examples
    --------
    >>> with atomic_output("events.parquet") as tmp:  # doctest: +SKIP
    ...     frame.to_parquet(tmp)
    """
    target = Path(path)
    folder = target.parent
    if _is_stream(target):
        with _into_stream(target) as tmp:
            yield tmp
        return
    if create_folder:
        folder.mkdir(parents=True, exist_ok=True)
    # Short prefix: the temporary name must fit NAME_MAX even when the target's name is long.
    fd, name = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        _set_mode(tmp, target)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _is_stream(target: Path) -> bool:
    """Whether ``target`` is a character device or a FIFO (written into); raises OSError
    for a block device or a socket (a file that is no output)."""
    try:
        mode = os.stat(target).st_mode
    except OSError:
        return False
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return True
    if stat.S_ISBLK(mode) or stat.S_ISSOCK(mode):
        kind = "a block device" if stat.S_ISBLK(mode) else "a socket"
        raise OSError(f"{target}: is {kind}, not a file to write")
    return False


@contextmanager
def _into_stream(target: Path) -> Iterator[Path]:
    # The output is made in a temporary file first, as for a regular file (its writer may
    # need to seek), then copied into the device or pipe.
    fd, name = tempfile.mkstemp(prefix="postmortem-kit-", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: str | os.PathLike[str], data: bytes, *, create_folder: bool = True,
                ) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_output`)."""
    with atomic_output(path, create_folder=create_folder) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`atomic_output`)."""
    write_bytes(path, text.encode("utf-8"))


def _set_mode(tmp: Path, target: Path) -> None:
    # mkstemp creates 0600; a replaced file keeps its mode, a new one gets what umask allows.
    try:
        mode = target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def _fsync_folder(folder: Path) -> None:
    # The rename is durable once the folder's entry is; folders cannot be opened on Windows.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
