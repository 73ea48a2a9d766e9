"""Debounced, atomic, conflict-aware saving of the document the form edits.

The file is the truth. Every edit hands the autosaver the document's JSON text; after a quiet
``delay`` the latest text is written with :func:`~postmortem_kit.document.storage.
atomic_write_text` (temporary file + rename, previous version kept as ``.bak``). Before
writing, the file on disk is compared with the version the form last loaded or saved (mtime
and size first, then a SHA-256 of the content): if someone else changed it, nothing is
written and the autosaver enters the ``conflict`` state until the user picks
:meth:`Autosaver.reload` or :meth:`Autosaver.keep_mine`.

Scheduling uses the running asyncio loop (the kernel's, in Jupyter), so the save runs on the
same thread as the widget callbacks and never races with an edit. Tests pass their own
``schedule`` (or ``delay=0``) and never wait on a clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from postmortem_kit.document.storage import atomic_write_text

Cancel = Callable[[], None]
Schedule = Callable[[float, Callable[[], None]], Cancel]
State = Literal["saved", "pending", "conflict", "error"]


def loop_schedule(delay: float, fn: Callable[[], None]) -> Cancel:
    """Run ``fn`` after ``delay`` seconds on the running asyncio loop; returns a canceller.

    Without a running loop (a plain script) there is no event stream to debounce, so ``fn``
    runs at once.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        fn()
        return lambda: None
    return loop.call_later(delay, fn).cancel


class Debouncer:
    """Call ``fn`` once, ``delay`` seconds after the last :meth:`trigger`.

    Parameters
    ----------
    fn
        What to run.
    delay
        Quiet period in seconds; ``0`` runs ``fn`` inside :meth:`trigger`.
    schedule
        ``schedule(delay, fn) -> cancel``; defaults to :func:`loop_schedule`.
    """

    def __init__(self, fn: Callable[[], None], delay: float,
                 schedule: Schedule | None = None) -> None:
        self._fn = fn
        self.delay = delay
        self._schedule = schedule or loop_schedule
        self._cancel: Cancel | None = None

    @property
    def pending(self) -> bool:
        """Whether a call is waiting to run."""
        return self._cancel is not None

    def trigger(self) -> None:
        """(Re)start the quiet period."""
        self.cancel()
        if self.delay <= 0:
            self._fn()
            return
        self._cancel = self._schedule(self.delay, self._fire)

    def _fire(self) -> None:
        self._cancel = None
        self._fn()

    def cancel(self) -> None:
        """Drop the waiting call, if any."""
        if self._cancel is not None:
            cancel, self._cancel = self._cancel, None
            cancel()

    def flush(self) -> None:
        """Run the waiting call now (nothing happens when none is waiting)."""
        if self._cancel is not None:
            self.cancel()
            self._fn()


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


class Autosaver:
    """Writes the latest document text to ``path``, debounced, never over someone else's edit.

    Parameters
    ----------
    path
        The ``postmortem.json`` file.
    delay
        Seconds of quiet before writing; ``0`` writes on every :meth:`request`.
    schedule
        See :class:`Debouncer`.
    on_state
        Called with the new :attr:`state` whenever it changes (the form shows it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pm.json"
    >>> saver = Autosaver(path, delay=0)
    >>> saver.request('{"schema_version": 1}\\n')
    >>> saver.state, path.read_text()
    ('saved', '{"schema_version": 1}\\n')
    """

    def __init__(self, path: str | os.PathLike[str], *, delay: float = 1.0,
                 schedule: Schedule | None = None,
                 on_state: Callable[[State], None] | None = None) -> None:
        self.path = Path(path)
        self.state: State = "saved"
        self.message = ""
        self._pending_text: str | None = None
        self._on_state = on_state
        self._debouncer = Debouncer(self._save_pending, delay, schedule)
        self.baseline = FileVersion.of(self.path)

    # -- the version the form holds ----------------------------------------------------
    def mark_loaded(self) -> None:
        """The form now holds exactly what is on disk (after a load or a reload)."""
        self.baseline = FileVersion.of(self.path)
        self._pending_text = None
        self._debouncer.cancel()
        self._set_state("saved", "")

    def changed_on_disk(self) -> bool:
        """Whether the file differs from the version the form last loaded or saved."""
        if self.baseline is None:
            return self.path.exists()
        return not self.baseline.same_content(self.path)

    # -- saving --------------------------------------------------------------------------
    @property
    def has_unsaved(self) -> bool:
        """Whether the form holds edits that are not in the file yet."""
        return self._pending_text is not None

    def request(self, text: str) -> None:
        """Save ``text`` once edits pause (at once when ``delay`` is 0)."""
        self._pending_text = text
        if self.state != "conflict":
            self._set_state("pending", "")
        self._debouncer.trigger()

    def flush(self) -> None:
        """Write any pending text now (unless the file is in conflict)."""
        self._debouncer.cancel()
        if self._pending_text is not None:
            self._save_pending()

    def keep_mine(self) -> None:
        """Resolve a conflict by writing the form's version; the other one goes to ``.bak``."""
        if self._pending_text is None:
            return
        self._write(self._pending_text)

    def _save_pending(self) -> None:
        if self._pending_text is None:
            return
        if self.changed_on_disk():
            self._set_state("conflict", f"{self.path.name} was changed outside this form "
                                        "since it was loaded")
            return
        self._write(self._pending_text)

    def _write(self, text: str) -> None:
        try:
            atomic_write_text(self.path, text)
        except OSError as exc:
            # The edit stays pending: the next edit or flush tries again.
            self._set_state("error", f"could not save {self.path}: {exc.strerror or exc}")
            return
        self._pending_text = None
        self.baseline = FileVersion.of(self.path)
        self._set_state("saved", "", always=True)  # the form shows the time of each save

    def _set_state(self, state: State, message: str, *, always: bool = False) -> None:
        changed = always or (state, message) != (self.state, self.message)
        self.state, self.message = state, message
        if changed and self._on_state is not None:
            self._on_state(state)
