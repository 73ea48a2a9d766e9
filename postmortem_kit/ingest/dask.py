"""``read_events(paths, engine="dask")``: the same load, by file or file block, on a cluster.

Each partition is one file (or folder-format folder), or one block of a large plain file,
loaded on a worker by the very code that loads it in pandas
(:func:`postmortem_kit.ingest.reader.load_path`), so formats, limits and rejects are the
same by construction. A plain (uncompressed) local file of a line format larger than
``blocksize`` (128 MiB) is cut into blocks of about that size, each starting at a line
that starts a record, its rows numbered as in the whole file (:func:`split_part`).

Remote files (any fsspec URL: ``s3://``, ``gs://``, ``https://``) are copied to the
worker's temporary folder first, then read like a local file: decompression stays bounded
and a damaged file keeps what decoded before the damage. Compressed files (gzip, bz2, xz,
zstd) cannot be split (they are not seekable), nor are remote files: each is one
partition, so such an evidence folder spreads over the cluster file by file: many files of
a few hundred MB each, as log shippers write them, is the shape that scales.

The frame's columns (dask needs them before loading anything) come from a sample of every
file: its first :data:`SAMPLE_BYTES` of lines, loaded on the workers. A column that only
appears further into a file is not in the frame; the partition then reports it as a
rejected record of that file (``line`` NA) naming the columns, never silently. The
``<column>_raw`` companions of ``status``, ``latency_ms`` and ``level`` (values that were
not a valid number or level, kept as written) are always there when their column is, as any
line of a file may need them.

Rejected records travel beside the events: :func:`rejected` gives them as a dask frame,
:func:`collect` computes the events and their rejects in one pass into the pandas frame
``read_events`` returns (``attrs["rejected"]``, ``attrs["notes"]``, sorted by time).
"""

from __future__ import annotations

import operator
import os
import tempfile
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd
from dask.delayed import Delayed, delayed

from postmortem_kit.errors import IngestError, IngestWarning, UsageError
from postmortem_kit.ingest.detect import detect_format
from postmortem_kit.ingest.files.decompress import (
    HEAD_BYTES,
    Decompressed,
    compression_of,
    head_bytes,
)
from postmortem_kit.ingest.paths import (
    PathLike,
    expand_paths,
    named_files,
    source_name,
    without_compression,
)
from postmortem_kit.ingest.reader import LoadSettings, load_path
from postmortem_kit.ingest.registry import FORMATS
from postmortem_kit.ingest.rejects import ErrorPolicy, RejectedLines, RejectLog
from postmortem_kit.ingest.schema import NUMERIC_RANGES, concat_events, empty_events
from postmortem_kit.ingest.stack import all_missing

# A file's sample for the frame's columns: whole lines, this many decompressed bytes.
SAMPLE_BYTES = 4 * 1024 * 1024
# Rows of each sample sent back to the client: enough for pandas to settle dtypes.
SAMPLE_ROWS = 200
_RAW_COMPANIONS = (*NUMERIC_RANGES, "level")
NOTES_META = pd.DataFrame({"note": pd.Series([], dtype="str")})
_REPORTS: OrderedDict[str, tuple[dd.DataFrame, dd.DataFrame]] = OrderedDict()
_KEEP_REPORTS = 64

# Worker processes started from here on (a LocalCluster, distributed.Client()) run polars
# with one thread, as dask's own default runs BLAS (OMP_NUM_THREADS=1): the workers are
# the parallelism. Two workers each running polars' pool over every core fought for them:
# loading four access-log shards took twice the wall time and more CPU (benchmarks/
# README.md, "Scale"). A default only: a user's dask config wins; a cluster started
# elsewhere takes it from its workers' environment (README).
dask.config.update_defaults(
    {"distributed": {"nanny": {"pre-spawn-environ": {"POLARS_MAX_THREADS": 1}}}})


@dataclass(frozen=True)
class FilePart:
    """One partition: a file (or folder) to load, local or remote."""

    path: str  # a local path, or an fsspec URL
    name: str  # what rejects and notes call it
    source: str  # its default source name
    named: bool  # named by the caller (a problem raises) rather than found
    remote: bool = False
    block: Block | None = None  # a byte range of the file, not all of it
    format: str | None = None  # the format its sample was read as (see read_events_dask)


@dataclass(frozen=True)
class Block:
    """A byte range of a plain (uncompressed) local file: ``[start, end)``, from the start
    of a line that starts a record; ``first_line`` is the 1-based number of that line."""

    start: int
    end: int
    first_line: int
    format: str  # the file's format, found once for all its blocks
    head: int  # bytes of the file's first whole lines loaded before the block (see below)


def is_url(path: PathLike) -> bool:
    """Whether ``path`` is an fsspec URL (``s3://bucket/key``) rather than a local path."""
    return "://" in str(path) and not str(path).startswith("file://")


def file_parts(paths: PathLike | Iterable[PathLike], settings: LoadSettings,
               storage_options: Mapping[str, Any] | None = None,
               notes: list[str] | None = None) -> list[FilePart]:
    """The partitions of a load, in the order ``read_events`` would load them: local
    paths expanded as it expands them (what the walk left out appended to ``notes``), URLs
    (and their globs, and folders under them) listed through fsspec."""
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    parts: list[FilePart] = []
    local = [item for item in items if not is_url(item)]
    if any(str(item) == "-" for item in local):
        raise IngestError('standard input ("-") cannot be read by a cluster: save it to '
                          "a file first", unusable=True)
    named = named_files(local)
    fmt = settings.format
    keep_folders = fmt == "auto" or FORMATS[fmt].folder
    for item in items:
        if is_url(item):
            parts += _remote_parts(str(item), storage_options or {})
            continue
        for path in expand_paths(item, keep_folders=keep_folders, notes=notes):
            parts.append(FilePart(str(path), str(path), source_name(path), path in named))
    return list({p.path: p for p in parts}.values())  # a file named twice is loaded once


def _remote_parts(url: str, storage_options: Mapping[str, Any]) -> list[FilePart]:
    import fsspec

    fs, _, found = fsspec.get_fs_token_paths(url, storage_options=dict(storage_options))
    glob = any(c in url for c in "*?[")
    protocol = url.split("://", 1)[0]
    out = []
    if not glob and len(found) == 1 and not fs.exists(found[0]):
        raise IngestError("no such file or folder", file=url, unusable=True)
    for path in found:
        files = sorted(fs.find(path)) if fs.isdir(path) else [path]
        named = not glob and len(files) == 1 and files[0] == path
        for f in files:
            full = f if "://" in f else f"{protocol}://{f}"
            out.append(FilePart(full, full, source_name(Path(PurePosixPath(f).name)), named,
                                remote=True))
    if not out:
        raise IngestError(f"no file matches {url!r}", unusable=True)
    return out


@contextmanager
def _local_copy(part: FilePart, storage_options: Mapping[str, Any],
                nbytes: int | None = None) -> Iterator[Path]:
    """``part`` as a local path: itself, or a temporary copy of the remote file (about its
    first ``nbytes`` only, when given: a byte more, so that a copy of the whole file
    says so), removed afterwards. The copy keeps the file's name: formats sniff it."""
    if not part.remote:
        yield Path(part.path)
        return
    nbytes = None if nbytes is None else nbytes + 1
    import fsspec

    with tempfile.TemporaryDirectory(prefix="postmortem-kit-") as tmp:
        local = Path(tmp) / PurePosixPath(part.path).name
        with fsspec.open(part.path, "rb", **dict(storage_options)) as src, \
                open(local, "wb") as dst:
            left = nbytes
            while left is None or left > 0:
                chunk = src.read(1024 * 1024 if left is None else min(left, 1024 * 1024))
                if not chunk:
                    break
                dst.write(chunk)
                if left is not None:
                    left -= len(chunk)
        yield local


def load_part(part: FilePart, settings: LoadSettings, errors: ErrorPolicy,
              storage_options: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame,
                                                           pd.DataFrame]:
    """Load one partition on a worker: ``(events, rejected, notes)``; events sorted by
    time (stable), like ``read_events`` sorts the whole load."""
    rejects = RejectLog(errors)
    notes: list[str] = []
    if part.block is not None:
        frame, rejects = _load_block(part, part.block, settings, errors)
    else:
        if part.format is not None and settings.format == "auto":
            settings = replace(settings, format=part.format)
        with _local_copy(part, storage_options) as local:
            rejects.aliases[str(local)] = part.name
            frame = load_path(local, part.named, settings, rejects, notes, name=part.name,
                              source=part.source)
    events = empty_events() if frame is None else frame
    if not events["timestamp"].is_monotonic_increasing:
        events = events.sort_values("timestamp", kind="stable", ignore_index=True)
    events.attrs = {}
    return events, rejects.to_frame(), pd.DataFrame({"note": pd.Series(notes, dtype="str")})


# -- large plain files in blocks -----------------------------------------------------------

# A plain local file larger than this is read as several partitions (``blocksize=``).
BLOCKSIZE = 128 * 1024 * 1024
# Formats whose records start on a line of their own and need nothing from the lines
# above but the file's first lines (a text log's layout, a year-less syslog's year):
# CSV (its header), folder formats and JSON documents are read whole.
SPLITTABLE = ("jsonl", "access", "syslog", "text", "logfmt")
# The file's first whole lines loaded before every block, so that its layout is detected
# from the same lines as in a load of the whole file: at least what detection reads (the
# first 1,000 lines, the first 64 KiB), at most this many bytes.
HEAD_LINES = 1000
HEAD_MAX_BYTES = 16 * 1024 * 1024
# How far past a cut the first line that starts a record is looked for.
PROBE_BYTES = 1024 * 1024


def split_part(part: FilePart, settings: LoadSettings, blocksize: int) -> list[FilePart]:
    """``part`` as byte-range partitions of about ``blocksize`` bytes when it is a plain
    local file of a :data:`SPLITTABLE` format larger than that; else ``[part]``.

    Each cut is moved to the start of a line that starts a record (the first one the
    format's own loader reads as a record, the file's first lines before it): a stack
    trace folded into the record above it stays in that record's block. Each block knows
    the number of its first line (newlines counted before it), so its rows and rejected
    lines keep the numbers a load of the whole file gives them. Compressed files
    (gzip, bz2, xz, zstd) are not seekable and stay one partition each; so do remote files
    (copied whole to a worker).
    """
    path = Path(part.path)
    if part.remote or blocksize <= 0 or not path.is_file() or \
            compression_of(path) is not None:
        return [part]
    size = path.stat().st_size
    if size <= blocksize:
        return [part]
    head = _head(path, size)
    if not head:
        return [part]
    try:
        fmt = settings.format if settings.format != "auto" else detect_format(
            path, head=head_bytes(path)[0].decode("utf-8", errors="replace").removeprefix(
                "\ufeff")).name
    except IngestError:
        return [part]
    if fmt not in SPLITTABLE:
        return [part]
    starts = [0]
    for cut in range(blocksize, size, blocksize):
        at = _record_start_after(path, max(cut, starts[-1] + 1), head, fmt, settings)
        if at is not None and at < size:
            starts.append(at)
    if len(starts) == 1:
        return [part]
    lines = _lines_before(path, starts)
    ends = [*starts[1:], size]
    return [replace(part, block=Block(a, b, n + 1, fmt, len(head)))
            for a, b, n in zip(starts, ends, lines, strict=True)]


def _head(path: Path, size: int) -> bytes:
    """The file's first whole lines: :data:`HEAD_LINES` of them and :data:`HEAD_BYTES`,
    within :data:`HEAD_MAX_BYTES`."""
    with open(path, "rb") as fh:
        data = fh.read(HEAD_MAX_BYTES)
    end = -1
    for _ in range(HEAD_LINES):
        end = data.find(b"\n", end + 1)
        if end < 0:
            break
    if end < 0:  # fewer lines than that in what was read
        return data if len(data) == size else data[: data.rfind(b"\n") + 1]
    if end + 1 < HEAD_BYTES:
        end = max(end, data.rfind(b"\n", 0, HEAD_BYTES))
    return data[: end + 1]


def _record_start_after(path: Path, cut: int, head: bytes, fmt: str,
                        settings: LoadSettings) -> int | None:
    """The offset of the first line at or after the line that ``cut`` falls in the middle
    of (or starts) that the format's loader reads as the start of a record; None when
    none starts within :data:`PROBE_BYTES`."""
    with open(path, "rb") as fh:
        fh.seek(cut - 1)
        data = fh.read(PROBE_BYTES + 1)
    newline = data.find(b"\n")  # (data[0] is the byte before the cut)
    if newline < 0:
        return None
    line_start = cut + newline
    probe = data[newline + 1:]
    if len(data) == PROBE_BYTES + 1:  # (else the probe runs to the end of the file)
        probe = probe[: probe.rfind(b"\n") + 1]
    if not probe:
        return None
    with warnings.catch_warnings():  # (said by the load of the block itself)
        warnings.simplefilter("ignore")
        frame, _ = _load_bytes(path, head + probe, fmt, settings, RejectLog("report"))
    head_lines = head.count(b"\n")
    after = frame["line"].dropna() if frame is not None and "line" in frame else None
    after = after[after > head_lines] if after is not None else None
    if after is None or not len(after):
        return None
    skip = int(after.min()) - head_lines - 1  # lines of the probe before that record
    offset = 0
    for _ in range(skip):
        offset = probe.index(b"\n", offset) + 1
    return line_start + offset


def _lines_before(path: Path, offsets: list[int]) -> list[int]:
    """How many newlines the file has before each of ``offsets`` (ascending)."""
    out: list[int] = []
    count = pos = 0
    with open(path, "rb") as fh:
        for offset in offsets:
            while pos < offset:
                chunk = fh.read(min(16 * 1024 * 1024, offset - pos))
                if not chunk:
                    break
                count += chunk.count(b"\n")
                pos += len(chunk)
            out.append(count)
    return out


def _load_bytes(path: Path, data: bytes, fmt: str, settings: LoadSettings,
                rejects: RejectLog, name: str | None = None,
                source: str | None = None) -> tuple[pd.DataFrame | None, RejectLog]:
    """Load ``data`` as a file of format ``fmt`` named like ``path`` (formats read the
    name) and as old (a year-less log takes its year from the file's time)."""
    stat = path.stat()
    with tempfile.TemporaryDirectory(prefix="postmortem-kit-") as tmp:
        local = Path(tmp) / path.name
        local.write_bytes(data)
        os.utime(local, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        rejects.aliases[str(local)] = name or str(path)
        frame = load_path(local, True, replace(settings, format=fmt), rejects, [],
                          name=name or str(path), source=source or source_name(path))
    return frame, rejects


def _load_block(part: FilePart, block: Block, settings: LoadSettings,
                errors: ErrorPolicy) -> tuple[pd.DataFrame | None, RejectLog]:
    """One block of a file: loaded after the file's first lines (:func:`_head`, so that
    its layout is detected from the lines a load of the whole file reads), whose rows and
    rejects are then dropped; line numbers moved to the block's place."""
    path = Path(part.path)
    with open(path, "rb") as fh:
        head = fh.read(block.head) if block.start else b""
        fh.seek(block.start)
        data = fh.read(block.end - block.start)
    head_lines = head.count(b"\n")
    # rejects of the head's lines are not this block's: collected apart, then filtered
    found = RejectLog("report" if errors == "raise" and head_lines else errors)
    frame, found = _load_bytes(path, head + data, block.format, settings, found,
                               name=part.name, source=part.source)
    shift = block.first_line - 1 - head_lines
    rejects = RejectLog(errors)
    for item in found.items:
        if item.line is not None and item.line <= head_lines:
            continue
        line = None if item.line is None else item.line + shift
        rejects.add(item.file, line, item.reason, item.text)
    if frame is not None and "line" in frame:
        if head_lines:
            frame = frame.loc[(frame["line"] > head_lines).to_numpy(
                dtype=bool, na_value=True)].reset_index(drop=True)
        frame["line"] = frame["line"] + shift
    return frame, rejects


Sample = tuple[pd.DataFrame | None, str | None]


def sample_part(part: FilePart, settings: LoadSettings,
                storage_options: Mapping[str, Any]) -> Sample:
    """The first :data:`SAMPLE_ROWS` events of a partition's first :data:`SAMPLE_BYTES`
    of lines (the whole file when that is all of it, or when its sample yields nothing:
    a JSON document cut in the middle is no document; None for a file ``read_events``
    skips), and the format they were read as (None if none was found).

    The sample's format is found from the file's first bytes and its name without a
    compression suffix, as the load of the whole file finds it: the load is then given it
    rather than sniffing every format a second time (~0.06 s a file)."""
    quiet = _quiet(settings)
    with _local_copy(part, storage_options, nbytes=SAMPLE_BYTES) as local:
        if local.is_dir():
            return _sample_rows(local, part, quiet)
        head, whole = _head_lines(local)
        if part.remote and local.stat().st_size > SAMPLE_BYTES:
            whole = False  # (the copy is a prefix of the file)
        if whole and not part.remote:
            return _sample_rows(local, part, quiet)
        with tempfile.TemporaryDirectory(prefix="postmortem-kit-") as tmp:
            # the decompressed head, under the name without its compression suffix
            cut = Path(tmp) / (without_compression(local.name) or "evidence")
            cut.write_bytes(head)
            rows, fmt = _sample_rows(cut, part, quiet)
    if (rows is not None and len(rows)) or whole:
        return rows, fmt
    with _local_copy(part, storage_options) as local:
        return _sample_rows(local, part, quiet)


def _quiet(settings: LoadSettings) -> LoadSettings:
    """``settings`` without progress bars: workers have no one to show them to."""
    return replace(settings, progress=False)


def _sample_rows(path: Path, part: FilePart, settings: LoadSettings) -> Sample:
    frame = load_path(path, False, settings, RejectLog("report"), [], name=part.name,
                      source=part.source)
    if frame is None:
        return None, None
    formats = {layout.get("format") for layout in frame.attrs.get("layouts", {}).values()}
    out = frame.head(SAMPLE_ROWS).reset_index(drop=True)
    out.attrs = {}
    return out, formats.pop() if len(formats) == 1 else None


def _head_lines(path: Path) -> tuple[bytes, bool]:
    """The whole lines in the first :data:`SAMPLE_BYTES` of the decompressed file, and
    whether that is the whole file."""
    out = bytearray()
    with open(path, "rb") as raw:
        for chunk in Decompressed(raw, compression_of(path)):
            out += chunk
            if len(out) > SAMPLE_BYTES:
                cut = out.rfind(b"\n", 0, SAMPLE_BYTES)
                return bytes(out[: cut + 1]), False
    return bytes(out), True


def frame_meta(samples: list[pd.DataFrame]) -> pd.DataFrame:
    """The empty frame whose columns and dtypes the dask frame has: those of the samples
    concatenated as ``read_events`` concatenates files, plus the ``_raw`` companions."""
    # What the concatenation gives depends only on which (column, dtype) lists there are,
    # in the order they first come: a folder of shards has a few, in hundreds of files.
    kinds: dict[tuple, pd.DataFrame] = {}
    for sample in samples:
        kinds.setdefault(tuple(zip(sample.columns, sample.dtypes, strict=True)), sample)
    meta = concat_events(list(kinds.values())).iloc[:0].reset_index(drop=True)
    meta.attrs = {}
    for col in _RAW_COMPANIONS:
        raw = f"{col}_raw"
        if col in meta and raw not in meta:
            meta[raw] = pd.Series([], dtype="str")
    return meta


def conform(events: pd.DataFrame, meta: pd.DataFrame, name: str,
            rejected: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A partition with exactly ``meta``'s columns and dtypes; a column the sample did not
    have is reported in ``rejected`` (as a record of file ``name``), not dropped silently."""
    extra = [c for c in events.columns if c not in meta.columns]
    # A column the file lacks is all missing values, as pd.concat fills it. Most of a
    # folder's columns are other files' (an alert's labels in an access log's partition):
    # one such column per dtype is made and shared (pandas copies on write).
    nothing: dict[Any, pd.Series] = {}
    columns: dict[Any, pd.Series] = {}
    for col in meta.columns:
        dtype = meta[col].dtype
        if col not in events.columns:
            if dtype not in nothing:
                nothing[dtype] = all_missing(dtype, events.index)
            columns[col] = nothing[dtype]
            continue
        values = events[col]
        if values.dtype != dtype:
            try:
                values = values.astype(dtype)
            except (ValueError, TypeError) as exc:
                raise IngestError(
                    f"column {col!r} holds {values.dtype} values here but "
                    f"{dtype} in the other files' samples ({exc}); load it on its "
                    "own, or with engine='pandas'", file=name) from exc
        columns[col] = values
    out = pd.DataFrame(columns, index=events.index, copy=False)
    if extra:
        note = pd.DataFrame({
            "file": pd.Series([name], dtype="str"),
            "line": pd.Series([pd.NA], dtype="Int64"),
            "reason": pd.Series([
                f"column(s) {extra} first appear past the file's first {SAMPLE_BYTES:,} "
                "bytes, which set the dask frame's columns: not in the frame (read this "
                "file with engine='pandas' to see them)"], dtype="str"),
            "text": pd.Series([""], dtype="str"),
        })
        rejected = pd.concat([rejected, note], ignore_index=True)
    return out, rejected


def load_conformed(part: FilePart, settings: LoadSettings, errors: ErrorPolicy,
                   storage_options: Mapping[str, Any], meta: pd.DataFrame,
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`load_part`, its events :func:`conform`-ed to ``meta``: a partition of the
    dask frame with its rejected records and notes (one task a partition)."""
    events, rejected, notes = load_part(part, settings, errors, storage_options)
    events, rejected = conform(events, meta, part.name, rejected)
    return events, rejected, notes


def read_events_dask(paths: PathLike | Iterable[PathLike], settings: LoadSettings, *,
                     errors: ErrorPolicy = "report",
                     storage_options: Mapping[str, Any] | None = None,
                     blocksize: int | str | None = None) -> dd.DataFrame:
    """``read_events(paths, engine="dask")`` (module docstring): a lazy events frame, one
    partition per file or per block of a large plain file (:func:`split_part`; about
    ``blocksize`` bytes each, default :data:`BLOCKSIZE`; 0: whole files), loaded by the
    current dask scheduler's workers.

    The samples that fix the columns are loaded now (on the workers, in parallel), and the
    cuts of large files found; the files themselves are loaded when the frame is computed.
    """
    RejectLog(errors)  # (checks the policy here, not on a worker)
    size = BLOCKSIZE if blocksize is None else _bytes(blocksize)
    options = dict(storage_options or {})
    walked: list[str] = []
    parts = file_parts(paths, settings, options, walked)
    quiet = _quiet(settings)
    samples, blocks = dask.compute(
        [delayed(sample_part, pure=True)(p, quiet, options) for p in parts],
        [delayed(split_part, pure=True)(p, quiet, size) for p in parts])
    meta = frame_meta([rows for rows, _ in samples if rows is not None])
    parts = [b if b.block is not None else replace(b, format=fmt)
             for split, (_, fmt) in zip(blocks, samples, strict=True) for b in split]
    loaded = [delayed(load_conformed, pure=True)(part, quiet, errors, options, meta)
              for part in parts]
    # pandas 3's own ``str`` columns, not dask's conversion to ``string[pyarrow]`` (whose
    # missing value is pd.NA): the same dtypes as the pandas path.
    with dask.config.set({"dataframe.convert-string": False}):
        return _frames(loaded, meta, walked)


def _bytes(blocksize: int | str) -> int:
    from dask.utils import parse_bytes

    try:
        size = parse_bytes(blocksize) if isinstance(blocksize, str) else int(blocksize)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"blocksize= must be a number of bytes or a size such as "
                         f"'128MiB', got {blocksize!r}") from exc
    if size < 0:
        raise UsageError(f"blocksize= must not be negative, got {blocksize!r}")
    return size


def _frames(loaded: list[Delayed], meta: pd.DataFrame, walked: list[str]) -> dd.DataFrame:
    events = dd.from_delayed([delayed(operator.getitem)(p, 0) for p in loaded], meta=meta,
                             verify_meta=False)
    rejects = dd.from_delayed([delayed(operator.getitem)(p, 1) for p in loaded],
                              meta=RejectLog().to_frame(), verify_meta=False)
    # the walk's notes (links left out, loops) first, as read_events lists them
    first = delayed(pd.DataFrame)({"note": pd.Series(walked, dtype="str")})
    notes = dd.from_delayed([first, *[delayed(operator.getitem)(p, 2) for p in loaded]],
                            meta=NOTES_META, verify_meta=False)
    _REPORTS[events._name] = (rejects, notes)
    while len(_REPORTS) > _KEEP_REPORTS:
        _REPORTS.popitem(last=False)
    return events


def rejected(events: dd.DataFrame) -> dd.DataFrame:
    """The rejected records of a frame ``read_events(engine="dask")`` returned, as a dask
    frame (``file``, ``line``, ``reason``, ``text``); computing it with the events
    (``dask.compute(events, rejected(events))``) loads every file once."""
    return _report(events)[0]


def notes(events: dd.DataFrame) -> dd.DataFrame:
    """The skipped files of a dask load (one ``note`` each, as in ``attrs["notes"]``)."""
    return _report(events)[1]


def _report(events: dd.DataFrame) -> tuple[dd.DataFrame, dd.DataFrame]:
    try:
        return _REPORTS[events._name]
    except KeyError:
        raise IngestError("this dask frame is not one read_events(engine='dask') returned "
                          "(or it was derived from one): pass that frame itself") from None


def persist_with(events: dd.DataFrame, *values: Delayed) -> tuple[Delayed, ...]:
    """``dask.persist(*values)`` (delayed values derived from ``events``' partitions) with
    ``events``' rejected records and notes, so that they come from the same read of the
    files: later, :func:`rejected` and :func:`notes` give the persisted ones. A frame that
    is not a load of ``read_events`` has no report: only ``values`` are persisted.

    The report goes as delayed partitions too: a frame persisted with delayed values makes
    dask materialise its expression, with a warning."""
    report = _REPORTS.get(events._name)
    if report is None:
        return tuple(dask.persist(*values))
    rejects, skipped = report
    done = dask.persist(*values, *rejects.to_delayed(optimize_graph=False),
                        *skipped.to_delayed(optimize_graph=False))
    a, b = len(values), len(values) + rejects.npartitions
    _REPORTS[events._name] = (dd.from_delayed(list(done[a:b]), meta=rejects._meta),
                              dd.from_delayed(list(done[b:]), meta=skipped._meta))
    return tuple(done[:a])


def collect(events: dd.DataFrame, *, warn: bool = True) -> pd.DataFrame:
    """Compute a dask load into the pandas frame ``read_events`` returns: sorted by time
    (stable, files in load order), ``attrs["rejected"]`` and ``attrs["notes"]`` filled,
    the warning about them issued. Every file is loaded once."""
    rejects, skipped = _report(events)
    frame, bad, note_frame = dask.compute(events, rejects, skipped)
    if not frame["timestamp"].is_monotonic_increasing:
        frame = frame.sort_values("timestamp", kind="stable")
    frame = frame.reset_index(drop=True)
    empty_raw = [c for c in frame.columns if c.endswith("_raw") and frame[c].isna().all()]
    frame = frame.drop(columns=empty_raw)
    lines = RejectedLines(bad.itertuples(index=False, name=None)) if len(bad) else None
    frame.attrs = {}
    if lines is not None:
        frame.attrs["rejected"] = RejectedLines(
            (f, None if pd.isna(n) else int(n), r, t) for f, n, r, t in lines)
    else:
        frame.attrs["rejected"] = RejectedLines()
    frame.attrs["notes"] = list(note_frame["note"])
    if warn and (len(bad) or len(note_frame)):
        warnings.warn(f"{len(bad):,} rejected record(s), {len(note_frame)} file(s) skipped; "
                      'see events.attrs["rejected"] and attrs["notes"]', IngestWarning,
                      stacklevel=2)
    return frame


__all__ = ["FilePart", "collect", "file_parts", "notes", "persist_with", "read_events_dask",
           "rejected"]
