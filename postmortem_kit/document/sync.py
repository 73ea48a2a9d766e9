"""Keeping an edited document and its file in step: merge what changed on disk, never lose it.

A :class:`FileSync` remembers the version of the file its editor started from (the *base*:
what was last loaded or saved). On each :meth:`FileSync.save` it checks the file: when no
one else has written it, the editor's document is written; when someone has, the file's
version (*theirs*) is merged with the editor's (*mine*) field by field
(:func:`~postmortem_kit.document.merge.three_way`):

- changes to different fields merge, and the file gets the merge (``taken`` says which of
  the file's changes came in);
- a field both changed is a conflict: the editor keeps showing its own value, the file
  keeps *theirs* for that field (everything else merged is written), until the author
  :meth:`~FileSync.choose`\\ s a side. The merge base stays the original one until every
  conflict is settled, so a later save cannot mistake a contested field for settled.

A file that cannot be read any more (a hand edit broke its JSON) is not merged: the save
stops with :attr:`SyncResult.error` until the author overwrites it (:meth:`FileSync.save`
with ``overwrite=True``); the broken text goes to the history first, like every replaced
version (:mod:`~postmortem_kit.document.history`).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from postmortem_kit.document import history
from postmortem_kit.document.merge import Conflict, Side, three_way
from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.storage import (
    atomic_write_text,
    from_json,
    load,
    read_text,
    to_json,
    validation_problems,
)
from postmortem_kit.errors import DocumentError

Json = dict[str, Any]


@dataclass(frozen=True)
class FileVersion:
    """What a file looked like: enough to tell whether someone else has changed it."""

    mtime_ns: int
    size: int
    sha256: str

    @classmethod
    def of(cls, path: Path) -> FileVersion | None:
        """The version of ``path`` now, or None when it does not exist."""
        try:
            stat = path.stat()
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        return cls(stat.st_mtime_ns, stat.st_size, hashlib.sha256(data).hexdigest())

    def same_content(self, path: Path) -> bool:
        """Whether ``path`` still holds this version (a touch without edits counts as same)."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return False
        if stat.st_mtime_ns == self.mtime_ns and stat.st_size == self.size:
            return True  # not rewritten since: no need to read it
        current = FileVersion.of(path)
        return current is not None and current.sha256 == self.sha256


def as_json(pm: Postmortem) -> Json:
    """The document as the JSON value the merge works on."""
    data: Json = json.loads(to_json(pm))
    return data


@dataclass(frozen=True)
class SyncResult:
    """What a save did.

    ``document`` is what the editor should now show (``mine`` with the file's merged
    changes; None when that is ``mine`` unchanged), ``written`` whether the file was
    written, ``taken`` the fields that came from the file, ``conflicts`` those waiting for a
    choice, and ``error`` why nothing could be saved (the file is unreadable or unwritable).
    """

    document: Postmortem | None = None
    written: bool = False
    taken: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    error: str = ""


@dataclass
class FileSync:
    """The link between one editor's document and its ``postmortem.json``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pm.json"
    >>> sync = FileSync(path)
    >>> pm = sync.load()
    >>> pm.overview.impact = "checkouts failed"
    >>> sync.save(pm).written
    True
    """

    path: Path
    base: Json | None = None
    version: FileVersion | None = None
    theirs: Json | None = None  # the file's version while conflicts wait for a choice
    merge_base: Json | None = None
    choices: dict[str, Side] = field(default_factory=dict)
    _own_sha: str | None = None  # history hash of this editor's last write

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if self.base is None and self.version is None and self.path.exists():
            # The file as it is now is where edits start, even before :meth:`load`.
            try:
                self._settled(as_json(load(self.path)))
            except (DocumentError, OSError):
                pass  # an unreadable file: the first save reports it

    # -- reading ---------------------------------------------------------------------------
    def load(self) -> Postmortem:
        """Read the file (a new document when it does not exist) and make it the base."""
        if self.path.exists():
            pm = load(self.path)
        else:
            pm = Postmortem()
        self._settled(as_json(pm) if self.path.exists() else None)
        return pm

    def _settled(self, base: Json | None) -> None:
        self.base = base
        self.version = FileVersion.of(self.path)
        self.theirs = self.merge_base = None
        self.choices = {}

    def changed_on_disk(self) -> bool:
        """Whether the file differs from the version this editor last loaded or wrote."""
        if self.version is None:
            return self.path.exists()
        return not self.version.same_content(self.path)

    @property
    def in_conflict(self) -> bool:
        """Whether a merge is waiting for the author's choices."""
        return self.theirs is not None

    # -- writing ---------------------------------------------------------------------------
    def save(self, mine: Postmortem, *, overwrite: bool = False) -> SyncResult:
        """Write ``mine``, merged with the file's changes when it changed on disk.

        ``overwrite`` writes ``mine`` over a file that cannot be read (the file's text is
        recorded in the history first).
        """
        if self.changed_on_disk():
            try:
                theirs = as_json(from_json(read_text(self.path), source=str(self.path)))
            except (DocumentError, OSError) as exc:
                if not overwrite:
                    return SyncResult(error=f"{self.path.name} changed on disk and cannot be "
                                            f"read: {exc}")
                return self._write(as_json(mine), settled=True)
            if self.merge_base is None:
                self.merge_base = self.base if self.base is not None else as_json(Postmortem())
            self.theirs = theirs
        if self.theirs is None:
            return self._write(as_json(mine), settled=True)
        return self._merge(as_json(mine))

    def choose(self, mine: Postmortem, conflict_id: str, side: Side) -> SyncResult:
        """Settle one conflict and save (see :meth:`save`)."""
        self.choices[conflict_id] = side
        return self.save(mine)

    def _merge(self, mine: Json) -> SyncResult:
        assert self.theirs is not None and self.merge_base is not None
        shown = three_way(self.merge_base, mine, self.theirs, self.choices)
        contested = {c.id: "theirs" for c in shown.conflicts}
        stored = three_way(self.merge_base, mine, self.theirs,
                           {**self.choices, **contested}).value  # type: ignore[dict-item]
        try:
            document = Postmortem.model_validate(shown.value)
            Postmortem.model_validate(stored)
        except ValidationError as exc:  # pragma: no cover  (fields merge from valid documents)
            where, what = validation_problems(exc)[0]
            return SyncResult(error=f"the merge with {self.path.name} is not valid at "
                                    f"{where}: {what}")
        result = self._write(stored, settled=not shown.conflicts)
        return SyncResult(document=document if shown.value != mine else None,
                          written=result.written, taken=shown.taken,
                          conflicts=shown.conflicts, error=result.error)

    def _write(self, data: Json, *, settled: bool) -> SyncResult:
        text = to_json(Postmortem.model_validate(data))
        written = False
        current = FileVersion.of(self.path)
        if current is None or current.sha256 != hashlib.sha256(text.encode()).hexdigest():
            try:
                atomic_write_text(self.path, text, supersedes=self._own_sha)
            except OSError as exc:
                return SyncResult(error=f"could not save {self.path}: {exc.strerror or exc}")
            written = True
            self._own_sha = history.sha(text.encode())
        if settled:
            self._settled(data)
        else:
            self.version = FileVersion.of(self.path)  # our own write is not someone else's
        return SyncResult(written=written)

    def keep_in_history(self, mine: Postmortem) -> None:
        """Record ``mine`` in the history without writing the file (the kernel is exiting
        with conflicts unsettled: the author's side stays recoverable)."""
        history.record(os.path.realpath(self.path), to_json(mine).encode())
