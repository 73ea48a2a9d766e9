"""Debounced saving of the document the form edits, merging what changed on disk.

Every edit tells the autosaver that the document changed; after a quiet ``delay`` it hands
the form's document to a :class:`~postmortem_kit.document.sync.FileSync`, which writes it
atomically (every version kept in the history beside the file) or, when someone else changed
the file since the form loaded or saved it, merges the two field by field. The autosaver's
:attr:`~Autosaver.state` is what the form's status line shows: ``saved``, ``pending``,
``conflict`` (fields wait for a choice, or the file cannot be read) or ``error``.

Scheduling uses the running asyncio loop (the kernel's, in Jupyter), so the save runs on the
same thread as the widget callbacks and never races with an edit. Tests pass their own
``schedule`` (or ``delay=0``) and never wait on a clock.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.sync import FileSync, FileVersion, SyncResult

__all__ = ["Autosaver", "Debouncer", "FileVersion", "Schedule", "State", "loop_schedule"]

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


class Autosaver:
    """Saves the form's document to ``path`` once edits pause, merging external changes.

    Parameters
    ----------
    path
        The ``postmortem.json`` file.
    get_document
        Returns the document to save (the form's, as it is at save time).
    delay
        Seconds of quiet before writing; ``0`` writes on every :meth:`request`.
    schedule
        See :class:`Debouncer`.
    on_state
        Called with the new :attr:`state` whenever it changes, and after every save.
    on_result
        Called with each save's :class:`~postmortem_kit.document.sync.SyncResult` (the form
        shows merged fields and conflicts).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from postmortem_kit.document import Postmortem
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pm.json"
    >>> pm = Postmortem(title="Checkout outage")
    >>> saver = Autosaver(path, lambda: pm, delay=0)
    >>> saver.request()
    >>> saver.state, Postmortem.load(path).title
    ('saved', 'Checkout outage')
    """

    def __init__(self, path: str | os.PathLike[str], get_document: Callable[[], Postmortem],
                 *, delay: float = 1.0, schedule: Schedule | None = None,
                 on_state: Callable[[State], None] | None = None,
                 on_result: Callable[[SyncResult], None] | None = None) -> None:
        self.path = Path(path)
        self.sync = FileSync(self.path)
        self.state: State = "saved"
        self.message = ""
        self.result = SyncResult()
        self._get_document = get_document
        self._unsaved = False
        self._on_state = on_state
        self._on_result = on_result
        self._debouncer = Debouncer(self._save_pending, delay, schedule)

    def load(self) -> Postmortem:
        """Read the file (a new document when missing) as the version edits start from."""
        pm = self.sync.load()
        self._unsaved = False
        self._debouncer.cancel()
        self._set_state("saved", "")
        return pm

    @property
    def has_unsaved(self) -> bool:
        """Whether the form holds edits that are not in the file yet."""
        return self._unsaved

    def request(self) -> None:
        """Save once edits pause (at once when ``delay`` is 0)."""
        self._unsaved = True
        if self.state not in ("conflict", "error"):
            self._set_state("pending", "")
        self._debouncer.trigger()

    def flush(self, *, quiet: bool = False) -> None:
        """Save any pending edits now. ``quiet``: tell no one (the kernel is exiting, and a
        widget update would write to its closing streams)."""
        self._debouncer.cancel()
        if self._unsaved or self.sync.in_conflict:
            self._save(quiet=quiet)

    def choose(self, conflict_id: str, side: str) -> None:
        """Settle a conflict (``"mine"``, ``"theirs"`` or, for list stretches, ``"both"``)."""
        self.sync.choices[conflict_id] = side  # type: ignore[assignment]
        self._unsaved = True
        self._save()

    def overwrite(self) -> None:
        """Write the form's document over a file that cannot be read (it goes to history)."""
        self._unsaved = True
        self._save(overwrite=True)

    def _save_pending(self) -> None:
        if self._unsaved or self.sync.in_conflict:
            self._save()

    def _save(self, *, quiet: bool = False, overwrite: bool = False) -> None:
        result = self.sync.save(self._get_document(), overwrite=overwrite)
        if quiet:
            if result.conflicts or result.error:
                self.sync.keep_in_history(self._get_document())
            return
        self.result = result
        if not result.error:
            self._unsaved = False
        if self._on_result is not None:
            self._on_result(result)
        if result.error:
            unreadable = "cannot be read" in result.error
            self._set_state("conflict" if unreadable else "error", result.error)
        elif result.conflicts:
            n = len(result.conflicts)
            self._set_state("conflict", f"{n} field{'s' * (n != 1)} changed in the file too",
                            always=True)
        else:
            self._set_state("saved", "", always=True)  # the form shows the time of each save

    def _set_state(self, state: State, message: str, *, always: bool = False) -> None:
        changed = always or (state, message) != (self.state, self.message)
        self.state, self.message = state, message
        if changed and self._on_state is not None:
            self._on_state(state)
