"""``read_events``: files, globs and folders of evidence into one events frame."""

from __future__ import annotations

import glob
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from postmortem_kit.errors import IngestError, IngestWarning, UsageError
from postmortem_kit.ingest import formats as _formats  # noqa: F401  (registers the formats)
from postmortem_kit.ingest.files import read_head
from postmortem_kit.ingest.limits import (
    DEFAULT_MAX_DEPTH,
    MAX_DEPTH_LIMIT,
    reject_implausible,
    resolve_valid_times,
)
from postmortem_kit.ingest.registry import FORMATS, Format, LoadContext
from postmortem_kit.ingest.rejects import ErrorPolicy, RejectLog
from postmortem_kit.ingest.schema import concat_events, finalize_events

PathLike = str | Path
_COMPRESSED_SUFFIXES = (".gz", ".gzip", ".bz2")
_GLOB_CHARS = set("*?[")


def read_events(
    paths: PathLike | Iterable[PathLike],
    format: str = "auto",
    *,
    source: str | None = None,
    tz: str = "UTC",
    start: Any = None,
    end: Any = None,
    year: int | None = None,
    fields: Mapping[str, str] | None = None,
    pattern: str | None = None,
    mapping: Mapping[str, str] | None = None,
    errors: ErrorPolicy = "report",
    progress: bool | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
    valid_times: tuple[Any, Any] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Load evidence files into one events frame (DESIGN.md §1), sorted by time.

    Parameters
    ----------
    paths
        A file, a glob (``"logs/*.jsonl.gz"``), a folder (every file in it, or the folder
        as one source when a folder format such as a Slack export recognises it) or a list
        of those. Plain, gzip and bz2 files are told apart by their first bytes.
    format
        A registered format name (``jsonl``, ``logfmt``, ``csv``, ``access``, ...), or
        ``"auto"`` to ask every format to sniff each file and take the most confident.
    source
        Evidence source name for every row; default: the file name without its suffixes.
    tz
        Zone of timestamps that carry no offset (an offset in the data always wins).
    start, end
        Keep only events with ``start <= timestamp <= end`` (strings or Timestamps; naive
        values are read in ``tz``). Loaders apply the window while streaming, so a large
        file cut to one hour never sits in memory whole.
    year
        Year of RFC 3164 syslog lines, which carry none.
    fields
        Schema field -> source field, overriding detection: ``{"timestamp": "eventTime"}``.
    pattern
        Regular expression with named groups, for the ``text`` format.
    mapping
        Source column -> schema column, like ``DataFrame.rename(columns=...)``
        (``{"When": "timestamp"}``); the reverse spelling of ``fields``, for CSV users.
    errors
        ``"report"`` (default): a record that cannot be loaded is rejected, kept in
        ``events.attrs["rejected"]`` (columns ``file``, ``line``, ``reason``, ``text``) and
        counted in one :class:`~postmortem_kit.errors.IngestWarning`. ``"raise"``: raise
        :class:`~postmortem_kit.errors.IngestError` at the first, with file and line.
    progress
        True: always show a progress bar; False: never; None: only for loads that last
        more than a couple of seconds.
    max_depth
        JSON records (a JSONL line, an alert, a Slack message file) nested deeper than
        this many arrays/objects are rejected, and never reach a parser that could crash
        or run out of recursion on them (default 100; at most 500).
    valid_times
        ``(first, last)``: records whose time falls outside are rejected, the value named
        in the reason (Go's zero time, epoch ``-1``, a clock reset to 1970). Default: from
        1990-01-01 to a year after now, widened to include ``start``/``end``; either end
        may be None for its default. Naive values are read in ``tz``.
    **options
        Format-specific options, passed to the loader.

    Returns
    -------
    pandas.DataFrame
        The events frame. ``attrs["rejected"]`` holds the rejected records and
        ``attrs["notes"]`` the files skipped: empty ones, and files found in a folder or
        through a glob that no format recognises (a file named explicitly raises instead).

    Notes
    -----
    Encoding policy: a line that is not valid UTF-8, or contains a NUL byte, is rejected
    (reason names the byte offset), never decoded with replacement characters and kept, so
    every accepted line is exactly what the file said. A truncated gzip/bz2 file yields
    every complete line before the cut; the cut is a rejected record.

    Examples
    --------
    >>> events = read_events("incident/*.jsonl.gz", start="2024-05-01 10:00",
    ...                      end="2024-05-01 13:00")  # doctest: +SKIP
    >>> events.attrs["rejected"].groupby("reason").size()  # doctest: +SKIP
    """
    fields = dict(fields or {})
    fields.update({dst: src for src, dst in (mapping or {}).items()})
    rejects = RejectLog(errors)
    window = (_as_utc(start, tz, "start"), _as_utc(end, tz, "end"))
    if window[0] is not None and window[1] is not None and window[0] > window[1]:
        raise IngestError(f"start= ({window[0]}) is after end= ({window[1]})")
    if isinstance(max_depth, bool) or not isinstance(max_depth, int) or not (
            1 <= max_depth <= MAX_DEPTH_LIMIT):
        raise UsageError(f"max_depth= must be an integer from 1 to {MAX_DEPTH_LIMIT}, got "
                         f"{max_depth!r}")
    try:
        bounds = resolve_valid_times(valid_times, tz, *window)
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc)) from None
    if format != "auto" and format not in FORMATS:
        raise IngestError(f"unknown format {format!r}; known: auto, {', '.join(FORMATS)}")

    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    named = _named_files(paths)
    for path in expand_paths(paths):
        if path.is_file() and not read_head(path, 1):
            notes.append(f"{path}: empty file, nothing to load")
            continue
        try:
            fmt = FORMATS[format] if format != "auto" else detect_format(path)
        except IngestError as exc:
            if path in named:
                raise
            # A README or truth.json beside the evidence in a folder: say so, load the rest.
            notes.append(f"{path}: skipped: {exc.reason}")
            continue
        ctx = LoadContext(
            source=source or source_name(path), rejects=rejects, tz=tz, start=window[0],
            end=window[1], year=year, fields=fields, pattern=pattern, progress=progress,
            options=dict(options), max_depth=max_depth, valid_times=bounds,
        )
        frames.append(_load_one(fmt, path, ctx))

    events = concat_events(frames)
    events.attrs["rejected"] = rejects.lines()
    events.attrs["notes"] = notes
    _warn(rejects, notes)
    return events


def _load_one(fmt: Format, path: Path, ctx: LoadContext) -> pd.DataFrame:
    try:
        df = fmt.load(path, ctx)
        events = finalize_events(df, source=ctx.source, kind=fmt.kind, tz=ctx.tz)
        events = reject_implausible(events, ctx, str(path))
    except IngestError:
        raise
    except (KeyError, ValueError, TypeError, OverflowError, UnicodeError) as exc:
        # A loader bug or an input it did not foresee: still one clear line, not a traceback.
        raise IngestError(
            f"the {fmt.name} loader failed: {type(exc).__name__}: {exc}", file=str(path)
        ) from exc
    if ctx.start is None and ctx.end is None:
        return events
    # Loaders may cut while streaming; this makes the window exact for every format.
    keep = pd.Series(True, index=events.index)
    if ctx.start is not None:
        keep &= events["timestamp"] >= ctx.start
    if ctx.end is not None:
        keep &= events["timestamp"] <= ctx.end
    return events if keep.all() else events.loc[keep].reset_index(drop=True)


def _as_utc(value: Any, tz: str, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise IngestError(f"{name}= {value!r} is not a time: {exc}") from exc
    if ts is pd.NaT:
        return None
    ts = ts.tz_localize(tz) if ts.tzinfo is None else ts
    return ts.tz_convert("UTC")


def _warn(rejects: RejectLog, notes: list[str]) -> None:
    if not len(rejects) and not notes:
        return
    parts = []
    if len(rejects):
        first = rejects.items[0]
        where = f"{first.file}:{first.line}" if first.line is not None else first.file
        parts.append(
            f"{len(rejects):,} rejected record(s), first at {where}: {first.reason}; "
            'see events.attrs["rejected"]'
        )
    if notes:
        parts.append(f"{len(notes)} file(s) skipped: {notes[0]}")
    warnings.warn("; ".join(parts), IngestWarning, stacklevel=3)


def source_name(path: Path) -> str:
    """The default source name: the file name without compression and format suffixes."""
    name = path.name
    for suffix in _COMPRESSED_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return Path(name).stem if "." in name.strip(".") else name


def _named_files(paths: PathLike | Iterable[PathLike]) -> set[Path]:
    """The files the caller named one by one (not found through a folder or a glob)."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    return {Path(i).expanduser() for i in items if Path(i).expanduser().is_file()}


def expand_paths(paths: PathLike | Iterable[PathLike]) -> list[Path]:
    """Files (and folder-format folders) named by ``paths``, in a stable order.

    Raises IngestError for a path that does not exist or a glob that matches nothing.
    """
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    out: list[Path] = []
    for item in items:
        path = Path(item).expanduser()
        if path.exists():
            out += _expand_folder(path) if path.is_dir() else [path]
        elif _GLOB_CHARS & set(str(item)):
            matches = sorted(glob.glob(str(path), recursive=True))
            if not matches:
                raise IngestError(f"no file matches {str(item)!r}")
            for m in matches:
                p = Path(m)
                out += _expand_folder(p) if p.is_dir() else [p]
        else:
            raise IngestError("no such file or folder", file=str(item))
    if not out:
        raise IngestError(f"no files to load in {items!r}")
    return list(dict.fromkeys(out))  # a file named twice is loaded once


def _expand_folder(folder: Path) -> list[Path]:
    """Every file under ``folder``, hidden ones left out; a subfolder that a folder format
    recognises (a Slack export beside the logs) stays one item."""
    if _folder_format(folder) is not None:
        return [folder]
    out: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            out += _expand_folder(child)
        elif child.is_file():
            out.append(child)
    return out


def _folder_format(folder: Path) -> Format | None:
    best, score = None, 0.0
    for fmt in FORMATS.values():
        if fmt.folder:
            s = _safe_sniff(fmt, folder, "")
            if s > score:
                best, score = fmt, s
    return best


def _safe_sniff(fmt: Format, path: Path, head: str) -> float:
    try:
        return float(fmt.sniff(path, head))
    except Exception:  # a sniffer that chokes on a file just says "not mine"
        return 0.0


def detect_format(path: Path) -> Format:
    """The registered format most confident it can read ``path`` (``format="auto"``).

    Raises IngestError listing the formats tried when none recognises the file.
    """
    if path.is_dir():
        fmt = _folder_format(path)
        if fmt is None:
            tried = ", ".join(f.name for f in FORMATS.values() if f.folder)
            raise IngestError(f"no folder format recognises this folder (tried: {tried})",
                              file=str(path))
        return fmt
    head = read_head(path)
    scores = {name: _safe_sniff(fmt, path, head) for name, fmt in FORMATS.items()
              if not fmt.folder or path.is_file()}
    name, score = max(scores.items(), key=lambda kv: kv[1], default=("", 0.0))
    if score <= 0:
        raise IngestError(
            "no format recognises this file (tried: " + ", ".join(scores) + "); "
            "pass format= or, for a text log, pattern=",
            file=str(path),
        )
    return FORMATS[name]
