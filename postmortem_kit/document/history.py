"""The saved versions of a document, kept beside it: ``.postmortem.json.history/``.

Every save records the text it wrote, and first the text it replaced when no record has it
yet (a hand edit, a ``git pull``, a teammate's notebook), so no version that was ever on
disk is lost to the next save. The folder keeps the newest :data:`KEEP` versions. Each is
one file named by the time it was recorded and the start of its SHA-256
(``20260314T130700.123456Z-3f2a9c01d4.json``), written atomically; the names sort by time.

An autosave that follows its own previous save within :data:`COALESCE_SECONDS` replaces
that record instead of adding one, so a minute of typing is one version, not sixty, and a
version someone else wrote is never pushed out by keystrokes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from postmortem_kit.atomic import write_bytes
from postmortem_kit.errors import InputError

KEEP = 20
COALESCE_SECONDS = 60.0
_NAME = re.compile(r"^(\d{8}T\d{6}\.\d{6}Z)-([0-9a-f]{10})\.json$")


@dataclass(frozen=True)
class Version:
    """One recorded version: ``id`` (the file's stem), when, its size and hash, its file."""

    id: str
    time: dt.datetime
    sha: str
    path: Path

    @property
    def size(self) -> int:
        """Size in bytes."""
        return self.path.stat().st_size

    def read(self) -> bytes:
        """The version's bytes."""
        return self.path.read_bytes()


def sha(data: bytes) -> str:
    """The short hash naming a version (10 hex digits of SHA-256)."""
    return hashlib.sha256(data).hexdigest()[:10]


def folder(path: str | os.PathLike[str]) -> Path:
    """The history folder of ``path``: beside the real file when ``path`` is a link."""
    target = Path(os.path.realpath(path))
    return target.parent / f".{target.name}.history"


def versions(path: str | os.PathLike[str]) -> list[Version]:
    """The recorded versions of ``path``, oldest first (empty when there are none)."""
    where = folder(path)
    try:
        names = sorted(os.listdir(where))
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = []
    for name in names:
        match = _NAME.match(name)
        if match:
            when = dt.datetime.strptime(match[1], "%Y%m%dT%H%M%S.%fZ").replace(tzinfo=dt.UTC)
            out.append(Version(name[:-5], when, match[2], where / name))
    return out


def read_all(path: str | os.PathLike[str]) -> list[tuple[Version, bytes]]:
    """Each recorded version of ``path`` with its bytes, oldest first.

    A notebook autosaving the same document may replace its own newest record between the
    listing and the read (see :data:`COALESCE_SECONDS`); such a record is skipped, as it
    would not have been listed a moment later.
    """
    out = []
    for version in versions(path):
        try:
            out.append((version, version.read()))
        except FileNotFoundError:
            continue
    return out


def record(path: str | os.PathLike[str], data: bytes, *, replace: str | None = None,
           keep: int = KEEP, now: dt.datetime | None = None) -> Version | None:
    """Add ``data`` as the newest version of ``path``; None when it already is the newest.

    Parameters
    ----------
    path
        The document.
    data
        The version's bytes.
    replace
        The hash of a version this one supersedes: when that is the newest record and
        younger than :data:`COALESCE_SECONDS`, it is dropped (an autosave after an autosave).
    keep
        How many versions to keep; the oldest beyond it are deleted.
    now
        The time to record (tests); defaults to the clock.
    """
    now = now or dt.datetime.now(dt.UTC)
    have = versions(path)
    digest = sha(data)
    if have and have[-1].sha == digest:
        return None
    where = folder(path)
    where.mkdir(exist_ok=True)
    when = now
    if have and when <= have[-1].time:
        # Two records within the clock's resolution (or a clock set back): keep the order.
        when = have[-1].time + dt.timedelta(microseconds=1)
    stamp = when.strftime("%Y%m%dT%H%M%S.%fZ")
    version = Version(f"{stamp}-{digest}", when, digest, where / f"{stamp}-{digest}.json")
    write_bytes(version.path, data, create_folder=False)
    newest = have[-1] if have else None
    if (replace is not None and newest is not None and newest.sha == replace
            and (now - newest.time).total_seconds() < COALESCE_SECONDS):
        newest.path.unlink(missing_ok=True)
        have.pop()
    for old in have[: max(0, len(have) + 1 - keep)]:
        old.path.unlink(missing_ok=True)
    return version


def find(path: str | os.PathLike[str], which: str) -> Version:
    """The version ``which`` names: its number in :func:`versions` (1 is the oldest, -1 the
    newest), its id, or a unique start of its id or hash. Raises InputError otherwise."""
    have = versions(path)
    if not have:
        raise InputError(f"{os.fspath(path)}: no saved versions (looked in {folder(path)})")
    if re.fullmatch(r"-?\d{1,4}", which):
        number = int(which)
        if 1 <= number <= len(have) or -len(have) <= number <= -1:
            return have[number - 1 if number > 0 else number]
    matches = [v for v in have if v.id.startswith(which) or v.sha.startswith(which)]
    if len(matches) == 1 and which:
        return matches[0]
    what = "matches several versions" if matches else "is no version"
    raise InputError(f"{os.fspath(path)}: {which!r} {what}: give a number from 1 to "
                     f"{len(have)} (or -1 for the newest) or an id that "
                     "`postmortem history` lists")
