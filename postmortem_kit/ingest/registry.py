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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.ingest.limits import DEFAULT_MAX_DEPTH, TimeBounds, default_valid_times
from postmortem_kit.ingest.rejects import RejectLog

# Default limits of a load (read_events' ``max_ratio=`` and ``max_line_bytes=``; README,
# "Evidence formats"): a compressed file expanding more than MAX_RATIO times its size is a
# decompression bomb, not a log; a line longer than MAX_LINE_BYTES is rejected.
MAX_RATIO = 1000.0
MAX_LINE_BYTES = 256 * 1024 * 1024


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


FORMATS: dict[str, Format] = {}


def register(name: str, *, sniff: Sniffer, kind: str = "log", folder: bool = False):
    """Decorator registering ``load`` as the loader of format ``name``."""

    def decorate(load: Loader) -> Loader:
        FORMATS[name] = Format(name, load, sniff, kind, folder)
        return load

    return decorate
