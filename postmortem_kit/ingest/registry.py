"""The evidence formats ``read_events`` knows, by their ``format=`` name.

Each format module registers a loader and a sniffer with :func:`register`:

- ``load(path, ctx) -> pd.DataFrame``: read one file (or folder, for folder formats) and
  return a frame with at least ``timestamp`` and ``message`` (plus whatever else the source
  has, using the well-known column names of ``schema.py``). Bad records go to
  ``ctx.rejects.add(file, line, reason, text)``, never dropped silently. The caller passes
  the result through ``schema.finalize_events``.
- ``sniff(path, head) -> float``: how sure (0..1) the format is that it can read the file,
  from its name and ``head`` (the first ~64 KiB, decompressed and decoded). ``auto`` takes
  the best score.

Third-party formats are plug-ins: a package names, in the entry-point group
``postmortem_kit.formats``, a module that registers its formats with :func:`register` when
imported, as the built-in modules of :mod:`postmortem_kit.ingest.formats` do::

    [project.entry-points."postmortem_kit.formats"]
    gcp-audit = "my_package.gcp_audit"

:data:`FORMATS` imports the built-in formats, then the plug-ins, the first time it is read
(once per process). A plug-in that fails to import, registers nothing, or registers a
name already taken is reported with an :class:`~postmortem_kit.errors.IngestWarning`
naming it and left out; loading never fails because of one.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.errors import IngestWarning
from postmortem_kit.ingest.limits import DEFAULT_MAX_DEPTH, TimeBounds, default_valid_times
from postmortem_kit.ingest.rejects import RejectLog

# Default limits of a load (read_events' ``max_ratio=`` and ``max_line_bytes=``; README,
# "Evidence formats"): a compressed file expanding more than MAX_RATIO times its size is a
# decompression bomb, not a log; a line longer than MAX_LINE_BYTES is rejected.
MAX_RATIO = 1000.0
MAX_LINE_BYTES = 256 * 1024 * 1024
PLUGIN_GROUP = "postmortem_kit.formats"
BUILT_IN = "postmortem_kit.ingest.formats"


@dataclass
class LoadContext:
    """What every loader is told about the load it is part of."""

    source: str
    rejects: RejectLog
    tz: str = "UTC"
    start: pd.Timestamp | None = None  # UTC; rows before it may be skipped while streaming
    end: pd.Timestamp | None = None  # UTC; rows after it may be skipped while streaming
    year: int | None = None  # syslog RFC 3164 lines carry no year
    fields: dict[str, str] = field(default_factory=dict)  # schema column -> source field
    pattern: str | None = None  # regex with named groups, for the text format
    progress: bool | None = None  # None: show a bar only on loads that take a while
    options: dict[str, Any] = field(default_factory=dict)  # format-specific extras
    max_ratio: float | None = MAX_RATIO  # None: no limit on decompressed / compressed size
    max_line_bytes: int | None = MAX_LINE_BYTES  # None: lines of any length
    max_depth: int = DEFAULT_MAX_DEPTH  # deeper JSON records are rejected (ingest.limits)
    valid_times: TimeBounds = field(default_factory=default_valid_times)  # others rejected


Loader = Callable[[Path, LoadContext], pd.DataFrame]
Sniffer = Callable[[Path, str], float]


@dataclass(frozen=True)
class Format:
    name: str
    load: Loader
    sniff: Sniffer
    kind: str  # default kind of the events it yields
    folder: bool = False  # True when the format reads a whole folder (a Slack export)
    # True when the loader itself rejects the times outside ``valid_times`` (line by line,
    # quoting each line): the reader then does not check its events again
    times_checked: bool = False


class FormatTable(MutableMapping[str, Format]):
    """The registered formats by name, in registration order (built-in first).

    Reading it the first time imports the built-in formats and the plug-ins of the
    entry-point group :data:`PLUGIN_GROUP` (see the module docstring).
    """

    def __init__(self) -> None:
        self._formats: dict[str, Format] = {}
        self._loaded = False
        self._loading = False  # (a plug-in reading the table while it loads sees it so far)
        self._lock = threading.RLock()  # other threads wait for the load to finish

    def add(self, fmt: Format) -> None:
        """Register ``fmt`` without loading anything (what :func:`register` does)."""
        self._formats[fmt.name] = fmt

    def _all(self) -> dict[str, Format]:
        if not self._loaded:
            with self._lock:
                if not self._loaded and not self._loading:
                    self._loading = True
                    try:
                        importlib.import_module(BUILT_IN)
                        self.load_plugins()
                        self._loaded = True
                    finally:
                        self._loading = False
        return self._formats

    def load_plugins(self) -> None:
        """Import the plug-ins of :data:`PLUGIN_GROUP` not imported yet (done on first use;
        call it again after installing a plug-in into a running interpreter)."""
        for ep in entry_points(group=PLUGIN_GROUP):
            if ep.module not in _imported_plugins:
                _imported_plugins.add(ep.module)
                self._load_plugin(ep)

    def _load_plugin(self, ep: EntryPoint) -> None:
        before = dict(self._formats)
        try:
            ep.load()
        except Exception as exc:  # a broken plug-in must not break the built-in formats
            self._formats = before
            _warn(f"evidence format plug-in {ep.name!r} ({ep.value}) failed to load: "
                  f"{type(exc).__name__}: {exc}")
            return
        replaced = [name for name, fmt in before.items() if self._formats[name] is not fmt]
        for name in replaced:
            self._formats[name] = before[name]
            _warn(f"evidence format plug-in {ep.name!r} ({ep.value}) registers {name!r}, "
                  "a format already registered: the first one is kept")
        if not replaced and not any(f.load.__module__ == ep.module for f in self._formats.values()):
            _warn(f"evidence format plug-in {ep.name!r} ({ep.value}) registered no format "
                  "(its module should call postmortem_kit.ingest.registry.register)")

    def __getitem__(self, name: str) -> Format:
        return self._all()[name]

    def __setitem__(self, name: str, fmt: Format) -> None:
        self._all()[name] = fmt

    def __delitem__(self, name: str) -> None:
        del self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return f"FormatTable({list(self)})"


_imported_plugins: set[str] = set()


def _warn(message: str) -> None:
    warnings.warn(message, IngestWarning, stacklevel=2)


FORMATS = FormatTable()


def register(name: str, *, sniff: Sniffer, kind: str = "log", folder: bool = False,
             times_checked: bool = False) -> Callable[[Loader], Loader]:
    """Decorator registering ``load`` as the loader of format ``name`` (``folder``,
    ``times_checked``: see :class:`Format`).

    Examples
    --------
    >>> @register("my-audit", kind="change",  # doctest: +SKIP
    ...           sniff=lambda path, head: 0.9 if '"auditID"' in head else 0.0)
    ... def load(path, ctx):
    ...     ...
    """

    def decorate(load: Loader) -> Loader:
        FORMATS.add(Format(name, load, sniff, kind, folder, times_checked))
        return load

    return decorate
