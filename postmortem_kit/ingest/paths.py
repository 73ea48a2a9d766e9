"""Which files a load reads: paths, globs and folders expanded; standard input and pipes.

``read_events`` takes files, globs, folders and ``"-"``; :func:`expand_paths` turns them
into the files (and folder-format folders) to load, walking folders once whatever their
symbolic links. :func:`file_type` says what a path is (a device or socket is refused), and
:func:`spooled` copies standard input or a named pipe to a temporary file, since a load
reads its input more than once.
"""

from __future__ import annotations

import glob
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from postmortem_kit.errors import IngestError
from postmortem_kit.ingest.detect import folder_format

PathLike = str | Path
_COMPRESSED_SUFFIXES = (".gz", ".gzip", ".bz2", ".xz", ".zst", ".zstd")
_GLOB_CHARS = set("*?[")
_COPY_CHUNK = 1024 * 1024
STDIN = Path("-")  # ``read_events("-")``: standard input
STDIN_NAME = "stdin"  # its name in rejects, notes and (by default) the source column


def source_name(path: Path) -> str:
    """The default source name: the file name without compression and format suffixes."""
    name = without_compression(path.name)
    return Path(name).stem if "." in name.strip(".") else name


def without_compression(name: str) -> str:
    """A file name without its compression suffix: ``app.jsonl.gz`` -> ``app.jsonl``."""
    for suffix in _COMPRESSED_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def named_files(paths: PathLike | Iterable[PathLike]) -> set[Path]:
    """The files (pipes, devices) the caller named one by one, not found through a folder
    or a glob: a problem with one of those is an error, not a note."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    out = set()
    for item in items:
        path = Path(item).expanduser()
        if str(item) == "-":
            out.add(STDIN)
        elif os.path.lexists(path) and not path.is_dir():
            out.add(path)
    return out


def expand_paths(
    paths: PathLike | Iterable[PathLike], *, keep_folders: bool = True,
    notes: list[str] | None = None,
) -> list[Path]:
    """Files (and folder-format folders) named by ``paths``, in a stable order.

    ``"-"`` is standard input (:data:`STDIN`). Folders are walked through symbolic links,
    but a folder is entered once and a file listed once, whatever the links (a link to a
    folder above it would otherwise loop); what was left out for that, and broken links,
    are appended to ``notes``. With ``keep_folders`` False (a line format was asked for),
    a folder a folder format recognises is walked like any other.

    Raises IngestError (``exit_code`` 2) for a path that does not exist, a glob that
    matches nothing, or when nothing is left to load.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    walk = _Walk(keep_folders)
    for item in items:
        path = Path(item).expanduser()
        if str(item) == "-":
            walk.out.append(STDIN)
        elif _exists(path):
            walk.add(path)
        elif _GLOB_CHARS & set(str(item)):
            matches = sorted(glob.glob(str(path), recursive=True))
            if not matches:
                raise IngestError(f"no file matches {str(item)!r}", unusable=True)
            for m in matches:
                walk.add(Path(m))
        else:
            raise IngestError("no such file or folder", file=str(item), unusable=True)
    if notes is not None:
        notes += walk.notes
    if not walk.out:
        why = f" ({walk.notes[0]})" if walk.notes else ""
        raise IngestError(f"no files to load in {[str(i) for i in items]!r}{why}",
                          unusable=True)
    return list(dict.fromkeys(walk.out))  # a file named twice is loaded once


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError as exc:  # a folder on the way that cannot be searched
        raise IngestError(f"cannot read it: {exc.strerror or exc}", file=str(path),
                          unusable=True) from exc


class _Walk:
    """Collects the files under the given paths, entering each real folder once and
    listing each real file once (by device and inode, so symbolic and hard links count)."""

    def __init__(self, keep_folders: bool):
        self.keep_folders = keep_folders
        self.out: list[Path] = []
        self.notes: list[str] = []
        self._folders: dict[tuple[int, int], Path] = {}
        self._files: dict[tuple[int, int], Path] = {}

    def add(self, path: Path) -> None:
        try:
            st = path.stat()
        except OSError as exc:
            if path.is_symlink():
                self.notes.append(f"{path}: skipped: broken symbolic link")
            else:
                self.notes.append(f"{path}: skipped: cannot read it: {exc.strerror or exc}")
            return
        key = (st.st_dev, st.st_ino)
        if path.is_dir():
            self._folder(path, key)
            return
        first = self._files.setdefault(key, path)
        if first == path:
            self.out.append(path)
        else:
            self.notes.append(f"{path}: skipped: same file as {first}")

    def _folder(self, folder: Path, key: tuple[int, int]) -> None:
        first = self._folders.setdefault(key, folder)
        if first != folder:
            why = "a symbolic link loop back to" if first in folder.parents else "same folder as"
            self.notes.append(f"{folder}: skipped: {why} {first}")
            return
        if self.keep_folders and folder_format(folder) is not None:
            self.out.append(folder)  # a Slack export beside the logs stays one source
            return
        try:
            children = sorted(folder.iterdir())
        except OSError as exc:
            self.notes.append(f"{folder}: skipped: cannot read it: {exc.strerror or exc}")
            return
        for child in children:
            if not child.name.startswith("."):  # hidden files are left out
                self.add(child)



def file_type(path: Path) -> str:
    """What ``path`` is, which decides how (and whether) it is read.

    ``"file"`` (a regular file, or ``/dev/null``: an empty input), ``"folder"``,
    ``"pipe"`` (a FIFO, or standard input through ``/dev/stdin``: it can be read only
    once, see :func:`spooled`), or what it is when it cannot be evidence:
    ``"character device"``, ``"block device"``, ``"socket"``. Follows symbolic links;
    raises OSError when ``path`` cannot be looked at.
    """
    st = path.stat()
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "pipe"
    if stat.S_ISCHR(mode):
        # /dev/null is read as empty; /dev/zero, /dev/urandom or a terminal never end
        return "file" if st.st_rdev == os.stat(os.devnull).st_rdev else "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "socket" if stat.S_ISSOCK(mode) else "special file"


@contextmanager
def spooled(stream: BinaryIO, name: str) -> Iterator[Path]:
    """Copy ``stream`` (standard input, a named pipe) once into a temporary file called
    ``name``, and yield its path; the file is removed afterwards.

    A load reads its file more than once (sniffing the format, then loading), and reads
    it by path (polars' streaming reader): a pipe would lose what the first reads took,
    and a named pipe would wait forever for a second writer.
    """
    with tempfile.TemporaryDirectory(prefix="postmortem-") as tmp:
        path = Path(tmp) / name
        with open(path, "wb") as out:
            shutil.copyfileobj(stream, out, _COPY_CHUNK)
        yield path
