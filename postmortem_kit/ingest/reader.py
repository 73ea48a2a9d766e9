"""``read_events``: files, globs and folders of evidence into one events frame."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

import pandas as pd

from postmortem_kit.errors import IngestError, IngestWarning, PostmortemKitError, UsageError
from postmortem_kit.ingest.detect import detect_format
from postmortem_kit.ingest.files.decompress import head_bytes
from postmortem_kit.ingest.limits import (
    DEFAULT_MAX_DEPTH,
    MAX_DEPTH_LIMIT,
    TimeBounds,
    default_valid_times,
    reject_implausible,
    resolve_valid_times,
)
from postmortem_kit.ingest.lines.explain import samples
from postmortem_kit.ingest.paths import (
    STDIN,
    STDIN_NAME,
    PathLike,
    expand_paths,
    file_type,
    named_files,
    source_name,
    spooled,
)
from postmortem_kit.ingest.registry import (
    FORMATS,
    MAX_LINE_BYTES,
    MAX_RATIO,
    Format,
    LoadContext,
)
from postmortem_kit.ingest.rejects import ErrorPolicy, RejectLog
from postmortem_kit.ingest.schema import concat_events, finalize_events, identity_columns
from postmortem_kit.ingest.times import as_utc

if TYPE_CHECKING:
    import dask.dataframe as dd


@overload
def read_events(paths: PathLike | Iterable[PathLike], format: str = ..., *,
                engine: Literal["pandas"] = ..., **kwargs: Any) -> pd.DataFrame: ...
@overload
def read_events(paths: PathLike | Iterable[PathLike], format: str = ..., *,
                engine: Literal["dask"], **kwargs: Any) -> dd.DataFrame: ...
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
    max_ratio: float | None = MAX_RATIO,
    max_line_bytes: int | None = MAX_LINE_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    valid_times: tuple[Any, Any] | None = None,
    engine: Literal["pandas", "dask"] = "pandas",
    storage_options: Mapping[str, Any] | None = None,
    blocksize: int | str | None = None,
    **options: Any,
) -> pd.DataFrame | dd.DataFrame:
    """Load evidence files into one events frame (DESIGN.md §1), sorted by time.

    Parameters
    ----------
    paths
        A file, a glob (``"logs/*.jsonl.gz"``), a folder (every file in it, or the folder
        as one source when a folder format such as a Slack export recognises it), ``"-"``
        for standard input, or a list of those. Plain, gzip, bz2, xz and zstd files are
        told apart by their first bytes. Standard input and named pipes are read once (copied to a
        temporary file that is removed after the load); devices and sockets are refused.
        A folder reached twice through symbolic links is read once, and so is a file.
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
    max_ratio
        Stop reading a gzip/bz2 file once it has decompressed to more than this many
        times the compressed bytes read (judged after its first 8 MiB of output), with a
        rejected record saying so: a decompression bomb, not a log. Logs compress 5-50x;
        gzip cannot exceed about 1030x. None: no limit.
    max_line_bytes
        Reject a line longer than this (256 MiB by default; the lines after it keep their
        numbers), so a line that never ends cannot exhaust memory. None: no limit.
    max_depth
        JSON records (a JSONL line, an alert, a Slack message file) nested deeper than
        this many arrays/objects are rejected, and never reach a parser that could crash
        or run out of recursion on them (default 100; at most 500).
    valid_times
        ``(first, last)``: records whose time falls outside are rejected, the value named
        in the reason (Go's zero time, epoch ``-1``, a clock reset to 1970). Default: from
        1990-01-01 to a year after now, widened to include ``start``/``end``; either end
        may be None for its default. Naive values are read in ``tz``.
    engine
        ``"pandas"`` (default): load here, into one pandas frame. ``"dask"``: a lazy
        ``dask.dataframe.DataFrame`` of the same schema, loaded by the workers of the
        current dask client (:mod:`postmortem_kit.ingest.dask`), one partition per file
        (or per block of a large plain file: ``blocksize``), a file being local or an
        fsspec URL (``s3://``, ``gs://``, ``https://``) or a glob of
        them. Its rejected records: ``postmortem_kit.ingest.dask.rejected(events)``.
    storage_options
        With ``engine="dask"``: options for the fsspec file system of remote paths
        (``{"anon": True}``, ``{"endpoint_url": ...}``).
    blocksize
        With ``engine="dask"``: a plain local file of a line format larger than this
        (bytes, or ``"64MiB"``; default 128 MiB; 0: never) is read as several partitions,
        each cut at a line that starts a record. Compressed and remote files are one
        partition each.
    **options
        Format-specific options, passed to the loader.

    Returns
    -------
    pandas.DataFrame
        The events frame (with ``engine="dask"``, a dask DataFrame: see
        :mod:`postmortem_kit.ingest.dask` for its rejects). ``attrs["rejected"]`` holds the
        rejected records,
        ``attrs["notes"]`` the files skipped: empty ones, and files found in a folder or
        through a glob that no format recognises (a file named explicitly raises instead,
        unless it holds lines of text: ``text`` reads them, dated by the file).
        ``attrs["layouts"]`` holds what was read from each file: its format and, for a text
        log, the inferred layout (readable pattern, regex, zone and year assumed, the first
        records as parsed). ``attrs["identities"]`` names the columns whose values identify
        a person (``user``, where the evidence has it): redaction replaces those values in a
        report.

    Notes
    -----
    Encoding policy: a line that is not valid UTF-8, or contains a NUL byte, is rejected
    (reason names the byte offset), never decoded with replacement characters and kept, so
    every accepted line is exactly what the file said. A truncated or corrupt gzip/bz2 file
    yields every complete line decoded before the damage; the damage is a rejected record
    naming the compressed byte offset and the last good line. Only a file of zero bytes
    (or one that decompresses cleanly to nothing) is "empty".

    Errors: a missing path, a glob matching nothing, a file that cannot be read, a device
    or a socket raise :class:`~postmortem_kit.errors.IngestError` with ``exit_code`` 2
    when named explicitly; found in a folder or through a glob, they are notes.

    Examples
    --------
    >>> events = read_events("incident/*.jsonl.gz", start="2024-05-01 10:00",
    ...                      end="2024-05-01 13:00")  # doctest: +SKIP
    >>> events.attrs["rejected"].groupby("reason").size()  # doctest: +SKIP
    """
    fields = dict(fields or {})
    fields.update({dst: src for src, dst in (mapping or {}).items()})
    rejects = RejectLog(errors)
    window = (_window_end(start, tz, "start"), _window_end(end, tz, "end"))
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

    settings = LoadSettings(
        format=format, source=source, tz=tz, start=window[0], end=window[1], year=year,
        fields=fields, pattern=pattern, progress=progress, options=dict(options),
        max_ratio=max_ratio, max_line_bytes=max_line_bytes, max_depth=max_depth,
        valid_times=bounds,
    )
    if engine == "dask":
        from postmortem_kit.ingest.dask import read_events_dask

        return read_events_dask(paths, settings, errors=errors,
                                storage_options=storage_options, blocksize=blocksize)
    if engine != "pandas":
        raise UsageError(f'engine= must be "pandas" or "dask", got {engine!r}')
    if storage_options is not None:
        raise UsageError("storage_options= is for remote paths, read with engine=\"dask\"")
    if blocksize is not None:
        raise UsageError("blocksize= cuts large files into dask partitions: read with "
                         "engine=\"dask\"")

    paths = [paths] if isinstance(paths, str | Path) else list(paths)  # (read thrice)
    remote = [str(p) for p in paths if "://" in str(p)]
    if remote:
        raise IngestError(f"{remote[0]}: remote paths are read by the dask engine: "
                          "read_events(..., engine=\"dask\") (CLI: --engine dask)",
                          unusable=True)
    frames: list[pd.DataFrame] = []
    notes: list[str] = []
    named = named_files(paths)
    keep_folders = format == "auto" or FORMATS[format].folder
    for path in expand_paths(paths, keep_folders=keep_folders, notes=notes):
        frame = load_path(path, path in named, settings, rejects, notes)
        if frame is not None:
            frames.append(frame)

    # Handed over: the files' columns are let go as the events frame's are built.
    events = concat_events(_handed_over(frames))
    events.attrs["rejected"] = rejects.lines()
    events.attrs["notes"] = notes
    events.attrs["identities"] = identity_columns(events)
    _warn(rejects, notes)
    return events


@dataclass(frozen=True)
class LoadSettings:
    """What ``read_events`` was asked, checked, for every file of a load (picklable: the
    dask engine sends it to its workers)."""

    format: str = "auto"
    source: str | None = None
    tz: str = "UTC"
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    year: int | None = None
    fields: dict[str, str] = field(default_factory=dict)
    pattern: str | None = None
    progress: bool | None = None
    options: dict[str, Any] = field(default_factory=dict)
    max_ratio: float | None = MAX_RATIO
    max_line_bytes: int | None = MAX_LINE_BYTES
    max_depth: int = DEFAULT_MAX_DEPTH
    valid_times: TimeBounds = field(default_factory=default_valid_times)

    def context(self, source: str, rejects: RejectLog) -> LoadContext:
        """The loaders' context for one file, its rows named ``source`` (unless the load
        names them all)."""
        return LoadContext(
            source=self.source or source, rejects=rejects, tz=self.tz, start=self.start,
            end=self.end, year=self.year, fields=self.fields, pattern=self.pattern,
            progress=self.progress, options=dict(self.options), max_ratio=self.max_ratio,
            max_line_bytes=self.max_line_bytes, max_depth=self.max_depth,
            valid_times=self.valid_times)


def load_path(path: Path, named: bool, settings: LoadSettings, rejects: RejectLog,
              notes: list[str], *, name: str | None = None,
              source: str | None = None) -> pd.DataFrame | None:
    """Load one file (or folder-format folder) the way ``read_events`` does: its events
    frame, or None when it is skipped (a note, or a rejected record, says why).

    ``name``: what rejects and notes call it (default: the path; the dask engine passes the
    URL of a remote file it copied); ``source``: its default source name.
    """
    name = name or (STDIN_NAME if path == STDIN else str(path))
    if source is None:
        source = STDIN_NAME if path == STDIN else source_name(path)
    try:
        with _readable(path, name, named, rejects, notes) as local:
            if local is None:
                return None
            ctx = settings.context(source, rejects)
            return _sniff_and_load(local, name, settings.format, named, ctx, notes)
    except OSError as exc:
        if isinstance(exc, PostmortemKitError):  # (InputError is an OSError too)
            raise
        # unreadable, vanished, or an I/O error while reading
        problem = f"cannot read it: {exc.strerror or exc}"
        if named:
            raise IngestError(problem, file=name, unusable=True) from exc
        notes.append(f"{name}: skipped: {problem}")
        return None


@contextmanager
def _readable(path: Path, name: str, named: bool, rejects: RejectLog,
              notes: list[str]) -> Iterator[Path | None]:
    """The path to load ``path`` from: itself, or a spooled copy of standard input or a
    pipe; None (and a note) for a device, socket or pipe found in a folder or through a
    glob. A device or socket named explicitly raises."""
    kind = "pipe" if path == STDIN else file_type(path)
    if kind in ("file", "folder"):
        yield path
        return
    if kind != "pipe" or not named:
        if named:
            raise IngestError(f"is a {kind}, not a file", file=name, unusable=True)
        # A pipe found in a folder may have no writer yet: opening it would wait forever.
        why = "is a named pipe (name it on its own to read it)" if kind == "pipe" else (
            f"is a {kind}, not a file")
        notes.append(f"{name}: skipped: {why}")
        yield None
        return
    if path == STDIN:
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise IngestError("standard input cannot be read here", file=name, unusable=True)
        with spooled(stream, STDIN_NAME) as local:
            yield from _aliased(local, name, rejects)
        return
    with open(path, "rb") as stream, spooled(stream, path.name) as local:
        yield from _aliased(local, name, rejects)


def _aliased(local: Path, name: str, rejects: RejectLog) -> Iterator[Path]:
    """Yield ``local``, reported as ``name`` in rejects and errors."""
    rejects.aliases[str(local)] = name
    try:
        yield local
    except IngestError as exc:
        if exc.file != str(local):
            raise
        raise IngestError(exc.reason, file=name, line=exc.line,
                          unusable=exc.exit_code == 2) from exc


def _sniff_and_load(path: Path, name: str, format: str, named: bool, ctx: LoadContext,
                    notes: list[str]) -> pd.DataFrame | None:
    """Load one file or folder-format folder; None when it is skipped (with a note or a
    rejected record saying why)."""
    head = ""
    problem = None
    if not path.is_dir():
        data, problem = head_bytes(path)
        if not data:
            if problem is None:
                notes.append(f"{name}: empty file, nothing to load")
            else:  # a compressed file cut or damaged before its first byte: not "empty"
                ctx.rejects.add(name, None, f"{problem}, before any line")
            return None
        head = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        fmt = FORMATS[format] if format != "auto" else detect_format(
            path, head=head, plain_text=named)
    except IngestError as exc:
        if problem is not None:  # what little decompressed is no format: say why it is little
            ctx.rejects.add(name, None, problem)
            return None
        if named:
            raise
        # A README or truth.json beside the evidence in a folder: say so, load the rest.
        notes.append(f"{name}: skipped: {exc.reason}")
        return None
    return _load_one(fmt, path, ctx)


def _load_one(fmt: Format, path: Path, ctx: LoadContext) -> pd.DataFrame:
    try:
        df = fmt.load(path, ctx)
        layout = {"format": fmt.name, **df.attrs.get("layout", {})}
        events = finalize_events(df, source=ctx.source, kind=fmt.kind, tz=ctx.tz)
        if not fmt.times_checked:
            events = reject_implausible(events, ctx, str(path))
        events.attrs.pop("layout", None)
        if "samples" in layout:  # as the events frame has them (levels normalised)
            layout["samples"] = samples(events)
        events.attrs["layouts"] = {ctx.rejects.aliases.get(str(path), str(path)): layout}
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
    if keep.all():
        return events
    cut = events.loc[keep].reset_index(drop=True)
    cut.attrs["layouts"] = events.attrs["layouts"]
    return cut


def _handed_over(frames: list[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The frames in order, each taken out of ``frames`` as it is given: the list no
    longer keeps them alive."""
    frames.reverse()
    while frames:
        yield frames.pop()


def _window_end(value: Any, tz: str, name: str) -> pd.Timestamp | None:
    """``start=`` / ``end=`` in UTC (None: no limit)."""
    try:
        return as_utc(value, tz)
    except (ValueError, TypeError) as exc:
        raise IngestError(f"{name}= {value!r} is not a time: {exc}") from exc


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
