"""``text``: any timestamp-prefixed text log (log4j, logback, Python logging, Go, Apache
error log, Zookeeper, Spark, ...).

The layout (timestamp format, where the level, thread and logger sit) is detected from
the file's first lines by :mod:`postmortem_kit.ingest.lines.layout`; ``pattern=`` replaces
detection with a regex of your own, with named groups ``timestamp`` (required),
``message``, ``level``, ``service`` and any others (kept as columns).

A line that does not start with a timestamp continues the record above it (a stack trace,
``Caused by:``, a wrapped message): it is appended to that record's message after a
newline, and the record's ``line`` stays its first line; unless it is a line of another
layout with a time of its own (:mod:`~postmortem_kit.ingest.lines.strays`). Lines before
the first record are the file's header (:mod:`~postmortem_kit.ingest.lines.header`: kept
in ``events.attrs``, a column-title line names the fields), or, when the file starts
indented, inside a record, rejected with a reason. Blank lines carry nothing and are
skipped.

Lines without a whole time of their own (a multiplexed program that writes none, a file
without any timestamp, times without their hour) are dated as
:mod:`~postmortem_kit.ingest.lines.undated` says, marked in the ``time_source`` column
(``"own"``, ``"line N"``: the time of line N, ``"mtime"``: the file's modification time)
and said in a warning and in ``--explain``.
"""

from __future__ import annotations

import itertools
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.errors import IngestError, IngestWarning
from postmortem_kit.ingest.limits import describe, outside, show
from postmortem_kit.ingest.lines.columns import (
    Find,
    LineBlock,
    can_stream,
    head_lines,
    iter_line_blocks,
    map_ahead,
    parallel_map,
    without_failed_stream,
)
from postmortem_kit.ingest.lines.explain import assumed_dates, layout_report, samples
from postmortem_kit.ingest.lines.extracted import Extracted, merge_parts
from postmortem_kit.ingest.lines.fixedstamps import FixedStamp
from postmortem_kit.ingest.lines.header import Header, read_header
from postmortem_kit.ingest.lines.layout import (
    ANSI,
    LEVEL_WORDS,
    MULTIPLEX,
    SAMPLE_LINES,
    TIME_GROUP,
    Layout,
    detect_layout,
    narrowed,
    timestamp_pattern_for,
)
from postmortem_kit.ingest.lines.match import extract_groups, with_groups
from postmortem_kit.ingest.lines.multiplex import open_records, programs_of, records_by_program
from postmortem_kit.ingest.lines.records import (
    fold_continuations,
    level_categories,
    level_words,
)
from postmortem_kit.ingest.lines.strays import between_neighbours, own_times
from postmortem_kit.ingest.lines.tailfields import lift_tail_fields
from postmortem_kit.ingest.lines.timeparts import YearState, assemble, part_expr
from postmortem_kit.ingest.lines.undated import (
    MTIME,
    OWN,
    TIME_SOURCE,
    HourState,
    assumed_hour,
    hours_for,
    mtime_note,
    nearest_times,
)
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.schema import empty_events
from postmortem_kit.ingest.times import parse_timestamps

# A level word opening a line read outside the layout (``WARNING: ...``, ``[error] ...``)
_LEADING_LEVEL = (r"^[\[<(]?(?P<level>" + LEVEL_WORDS + r")(?:[\]>)]:?|:)\s+"
                  r"(?P<message>.*)$")
_NO_NEIGHBOUR = "no timestamped line in the file to date this line by"
# _ts_row of the rows not dated by the layout's own timestamp text
_STRAY_ROW, _UNDATED_ROW, _MTIME_ROW = -1, -2, -3


def sniff(path: Path, head: str) -> float:
    """Score a text log: at most 0.7, so the specific formats (access, syslog) win theirs.

    Stack traces lower the share of timestamped lines, so a file whose first line starts
    with a timestamp scores on that too.
    """
    lines = [ln for ln in head.splitlines()[:200] if ln.strip()]
    if not lines:
        return 0.0
    if sum(ln.lstrip().startswith(("{", "[{")) for ln in lines) > len(lines) / 2:
        return 0.0  # JSON lines or a JSON document
    layout = detect_layout(pa.array(lines, pa.string()))
    if layout is None:  # (text without a timestamp: read when named, see detect_format)
        return 0.0
    first_line = pc.replace_substring_regex(pa.array(lines[:1]), ANSI, "")
    first = pc.match_substring_regex(first_line, layout.fallback_rx)[0].as_py()
    score = (0.4 + 0.2 * layout.coverage) if first else 0.5 * layout.coverage
    if layout.header not in ("bare", "rest"):
        score += 0.1  # a level or logger after the timestamp: an application log
    if layout.prefix == "any":
        score *= 0.5  # a timestamp somewhere in the line: any better-defined format wins
    return round(score, 3)


class _Parser:
    """The regexes for one file and what they capture."""

    rx: str | None  # None: no timestamp layout in the first lines
    fallback_rx: str | None
    ts_rx: str | None  # None with a user pattern, until its timestamps are recognised
    layout: Layout | None = None  # None with a user pattern
    wider: list[str]  # regexes for the lines ``rx`` misses, in order
    mux_rx: str | None = None  # the program prefix of a multiplexed stream
    ansi: bool = False  # the lines hold ANSI colour codes, removed before matching
    zone_seen: bool = False  # some line wrote its offset or zone
    header: Header | None = None  # the lines before the first record
    columns: dict[str, str]  # group of the regexes -> column (named by column titles)
    timed: set[str]  # programs of a multiplexed stream that wrote a timestamped line
    undated: dict[str, int]  # program -> lines dated by the nearest timestamped line
    last_stamp: tuple[pd.Timestamp, int] | None = None  # last dated record: time, line
    fixed: FixedStamp | None = None  # where the parts sit in fixed-width timestamps

    def __init__(self, path: Path, ctx: LoadContext, first: LineBlock) -> None:
        self.path, self.ctx = path, ctx
        self.years = YearState()
        self.hours = HourState()
        self.scratch: dict[str, np.ndarray] = {}  # FixedStamp.read's buffers, block to block
        self.wider = []
        self.columns, self.timed, self.undated = {}, set(), {}
        head = first.lines.slice(0, SAMPLE_LINES)
        self.ansi = bool(pc.any(pc.match_substring(pc.drop_null(head), "\x1b[")).as_py())
        if ctx.pattern:
            try:
                re.compile(ctx.pattern)
                pc.extract_regex(pa.array([""]), ctx.pattern)
            except (re.error, pa.ArrowInvalid) as exc:
                raise IngestError(f"pattern= is not a valid regex: {exc}", file=str(path)) from None
            if "(?P<timestamp>" not in ctx.pattern:
                raise IngestError("pattern= needs a named group (?P<timestamp>...)", file=str(path))
            self.rx, self.fallback_rx, self.ts_rx = ctx.pattern, None, None
            return
        layout = detect_layout(head)
        self.layout = layout
        if layout is None:
            self.rx = None
            return
        line_rx = layout.line_rx
        if layout.multiplex is None and first.first_line == 1:
            clean = pc.replace_substring_regex(head, ANSI, "") if self.ansi else head
            self.header = read_header(clean, layout.line_rx, layout.fallback_rx)
            if self.header is not None and self.header.line_rx is not None:
                line_rx, self.columns = self.header.line_rx, self.header.columns
        sample = _nonblank_sample(head, self.ansi)
        self.rx = narrowed(sample, line_rx)
        self.fallback_rx = layout.fallback_rx
        self.wider = list(dict.fromkeys(
            rx for rx in (line_rx, layout.line_rx, layout.fallback_rx) if rx != self.rx))
        self.ts_rx = layout.timestamp_rx
        stamps = pc.drop_null(pc.extract_regex(sample, self.rx).field("timestamp"))
        self.fixed = FixedStamp.from_sample(stamps.to_pylist(), layout.timestamp_rx)
        if self.fixed is not None:
            # The narrow regex takes the stamps that fit the template, whose parts are read
            # by position; the wider regexes capture the others' parts as groups.
            self.rx = self.fixed.in_line(self.rx)
            self.wider = list(dict.fromkeys((line_rx, layout.line_rx, layout.fallback_rx)))
        if layout.multiplex is not None:
            self.mux_rx = "^" + dict((n, rx) for n, rx, _ in MULTIPLEX)[layout.multiplex]

    def extract(self, lines: pa.Array | pl.Series, rx: str | None = None) -> pa.StructArray:
        """The groups of ``rx`` (default: the layout's) in ``lines``; null where it does
        not match. An inferred layout runs on polars' regex engine (Rust ``regex``), which
        extracts captures several times faster than RE2; a ``pattern=`` on RE2, as
        documented."""
        rx = rx or self.rx
        assert rx is not None
        if self.layout is None:
            if isinstance(lines, pl.Series):
                lines = lines.to_arrow()
            return pa.concat_arrays(parallel_map(lambda a: pc.extract_regex(a, rx), lines))
        if not isinstance(lines, pl.Series):
            lines = pl.Series("line", lines)
        return _as_parts(extract_groups(lines, rx, typed=_typed_part))

    def find(self) -> Find | None:
        """What the streaming reader is to find in each line beside reading it (see
        :func:`~postmortem_kit.ingest.lines.columns.iter_line_blocks`): the groups of the
        layout's regex, as :meth:`extract` captures them; None when the lines must be
        cleaned of ANSI codes first, or the regex is not polars' to run."""
        rx = self.rx
        if rx is None or self.layout is None or self.ansi:
            return None
        return lambda lines: with_groups(lines, "line", rx, _typed_part,
                                         keep=tuple(lines.collect_schema().names()))

    def extract_block(self, block: LineBlock) -> Extracted:
        """The lines of ``block`` (ANSI codes removed) with what the regexes capture: the
        narrow regex, then, for the lines it misses, the layout's full regex, then the
        fallback (a line with a timestamp whose header does not fit the layout starts a
        record). Each line on its own: this runs ahead, on a worker thread."""
        cleaned = pc.replace_substring_regex(block.lines, ANSI, "") if self.ansi else None
        if block.found is not None:  # (the reader ran the regex: see find)
            parts = _as_parts(block.found)
        else:  # (the block as polars framed it, when it did: no round trip through Arrow)
            parts = self.extract(block.series if cleaned is None and self.layout else (
                block.lines if cleaned is None else cleaned))
        rejected = int(block.rejected().sum())
        for rx in self.wider:
            if parts.null_count <= rejected:
                break
            lines = block.lines if cleaned is None else cleaned
            todo = pc.and_(pc.invert(parts.is_valid()), lines.is_valid())
            loose = self.extract(pc.if_else(todo, lines, ""), rx)  # ("": fails at once)
            use = pc.and_(todo, loose.is_valid())
            if pc.any(use).as_py():
                parts = merge_parts(parts, loose, use)
        return Extracted(block, cleaned, parts)

    def extract_with_next(self, blocks: tuple[LineBlock, Callable[[], LineBlock | None]]
                          ) -> tuple[Extracted, bool]:
        """:meth:`extract_block` of a block, and whether the block after it (given by the
        second of ``blocks``, once this one is matched; None at the end) starts with a
        record: its first line matched alone gives what its block's match will give it
        (each line is matched on its own)."""
        block, next_block = blocks
        item = self.extract_block(block)
        after = next_block() if self.mux_rx is None else None
        opens = (after is not None and len(after) > 0
                 and _first_start(self.extract_block(after.slice(0, 1))) == 0)
        return item, opens

    def timestamps(self, raw: pa.Array, fields: dict[str, pa.Array]) -> pd.Series:
        parts = {k[len(TIME_GROUP):]: v for k, v in fields.items() if k.startswith(TIME_GROUP)}
        if self.fixed is not None:
            parts = self._fixed_parts(raw, parts)
        if "z" in parts and not self.zone_seen:
            self.zone_seen = bool(pc.any(pc.greater(pc.utf8_length(parts["z"]), 0)).as_py())
        if "M" in parts and not parts.keys() & {"H", "m", "b", "j"}:  # minutes, seconds
            parts["H"] = hours_for(parts["M"], parts["S"], self.hours, self.path)
        if parts:  # the layout's regex captured the parts: no second pass
            return assemble(parts, tz=self.ctx.tz, year=self.ctx.year, state=self.years,
                            path=self.path)
        return self._user_timestamps(raw)

    def _fixed_parts(self, raw: pa.Array, captured: dict[str, pa.Array]) -> dict[str, pa.Array]:
        """The parts of the timestamps ``raw``: read by position where the narrow regex
        matched (the stamp fits the template), else as a wider regex ``captured`` them."""
        assert self.fixed is not None
        numbers, _ = self.fixed.read(raw, out=self.scratch)
        parts: dict[str, pa.Array] = {}
        numeric = [c for c in captured.values() if pa.types.is_integer(c.type)]
        if numeric:  # (null on the rows the narrow regex matched, -1 for none elsewhere)
            wide = numeric[0].is_valid().to_numpy(zero_copy_only=False)
            for name, column in captured.items():
                if pa.types.is_integer(column.type):  # (a part the template lacks: as if absent)
                    values = numbers.setdefault(name, np.full(
                        len(raw), 0 if name == "f" else -1, dtype=np.int64))
                    values[wide] = pc.fill_null(column, -1).to_numpy(zero_copy_only=False)[wide]
                else:  # text: an AM/PM mark, a zone
                    parts[name] = column
        return {name: pa.array(values) for name, values in numbers.items()} | parts

    def _user_timestamps(self, raw: pa.Array) -> pd.Series:
        ts_rx = self.ts_rx
        if ts_rx is None:  # a user pattern: recognise its timestamps once, from the values
            found = timestamp_pattern_for(raw.slice(0, SAMPLE_LINES))
            if found is None:
                # ISO text, epochs, or anything dateutil reads with a full date and time
                return parse_timestamps(raw, self.ctx.tz).to_pandas()
            self.ts_rx = ts_rx = found[1]
        parts = pc.extract_regex(raw, "^" + ts_rx + "$").flatten()
        names = [f.name for f in pc.extract_regex(pa.array([""], pa.string()), ts_rx).type]
        return assemble(
            dict(zip(names, parts, strict=True)),
            tz=self.ctx.tz, year=self.ctx.year, state=self.years, path=self.path,
        )


@register("text", sniff=sniff, kind="log", times_checked=True)
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load a timestamp-prefixed text log; see the module docstring.

    Examples
    --------
    >>> from postmortem_kit.ingest.rejects import RejectLog
    >>> ctx = LoadContext(source="app", rejects=RejectLog())
    >>> frame = load(Path("app.log"), ctx)  # doctest: +SKIP
    """
    return without_failed_stream(lambda stream: _load(path, ctx, stream=stream), ctx)


def _load(path: Path, ctx: LoadContext, *, stream: bool) -> pd.DataFrame:
    frames: list[pd.DataFrame] = []
    parser: _Parser | None = None
    pending: Extracted | None = None
    seen_record = False
    # Reading, and matching, run a block ahead of the assembly on their own threads,
    # unless the load stops at ``end=``: that must not read, nor reject lines of, the
    # block after it.
    ahead = ctx.end is None
    stream = stream and ahead and can_stream(path, ctx)
    # Streaming, the layout is detected on the first lines read apart
    # (:func:`~postmortem_kit.ingest.lines.columns.head_lines`); its regex then runs in
    # the reader's query, on polars' threads (:meth:`_Parser.find`).
    head = head_lines(path, ctx, SAMPLE_LINES) if stream else None
    if head is not None:
        parser = _Parser(path, ctx, head)
    blocks = iter_line_blocks(path, ctx, stream=stream,
                              find=None if parser is None else parser.find())
    if ahead:
        blocks = map_ahead(_as_read, blocks)
    first = next(blocks, None)
    if first is not None:
        if parser is None:
            parser = _Parser(path, ctx, first)
        blocks = itertools.chain([first], blocks)
    if parser is not None and parser.rx is None:
        for block in blocks:  # no timestamp in the first lines: every line dated by the file
            frame, past_end = _mtime_rows(block, parser)
            frames.append(frame)
            if past_end:
                break
    elif parser is not None:
        extracted = (map_ahead(parser.extract_with_next, _with_next(blocks)) if ahead
                     else ((item, False) for item in map(parser.extract_block, blocks)))
        # Running ahead, a block whose next block starts with a record (its first line,
        # matched beside the block) ends with its last record: it is parsed whole at
        # once. Otherwise it is parsed once the next one is matched: its last record goes
        # on up to the next block's first. (Not running ahead, the block's last record is
        # cut off and parsed with the next block's first lines: one parse more.)
        held: Extracted | None = None  # matched, not parsed yet (running ahead)
        for item, next_opens in extracted:
            # where the block's first record starts (None: a multiplexed stream, whose
            # records interleave, is not cut there)
            opening = _first_start(item) if parser.mux_rx is None else None
            if held is not None:
                frame, pending, seen_record, _ = _parse_block(
                    held, parser, final=opening == 0, seen=seen_record)
                frames.append(frame)
            if pending is not None and len(pending):
                if opening is None:
                    item = pending.joined(item)
                else:  # the pending record ends where the block's first one starts
                    frames.append(_parse_block(pending.joined(item.slice(0, opening)), parser,
                                               final=True, seen=seen_record)[0])
                    item = item.slice(opening)
                pending = None
            if ahead:  # (``end=`` unset: no block is past the end)
                held = None if next_opens else item
                if next_opens:
                    frame, _, seen_record, _ = _parse_block(item, parser, final=True,
                                                            seen=seen_record)
                    frames.append(frame)
                continue
            frame, pending, seen_record, past_end = _parse_block(
                item, parser, final=False, seen=seen_record)
            frames.append(frame)
            if past_end:  # streaming: the rest of the file is after the window
                pending = None
                break
        if held is not None:
            frames.append(_parse_block(held, parser, final=True, seen=seen_record)[0])
    if pending is not None and len(pending) and parser is not None:
        frames.append(_parse_block(pending, parser, final=True, seen=seen_record)[0])
    frames = [f for f in frames if len(f)]
    out = pd.concat(frames, ignore_index=True) if frames else empty_events()
    if TIME_SOURCE in out:
        out[TIME_SOURCE] = out[TIME_SOURCE].fillna(OWN)
    out = lift_tail_fields(out)
    if "level_raw" in out:  # (where finalize_events puts it: after the loader's columns)
        out["level_raw"] = out.pop("level_raw")
    if parser is not None and parser.layout is not None:
        dates = assumed_dates(parser.years, ctx.year)
        hour = assumed_hour(parser.hours)
        if hour is not None:
            dates = f"{dates}; {hour}" if dates else hour
        if dates is not None and ctx.year is None:
            warnings.warn(f"{path}: {dates}", IngestWarning, stacklevel=2)
        report = layout_report(parser.layout, tz=ctx.tz, zone_in_lines=parser.zone_seen,
                               dates=dates, frame=out)
        report.update(_said(path, parser))
        out.attrs["layout"] = report
    elif parser is not None and ctx.pattern is None:
        _, note = mtime_note(path)
        warnings.warn(f"{path}: {note}", IngestWarning, stacklevel=2)
        out.attrs["layout"] = {"format": "text", "pattern": "<message> (no timestamp)",
                               "year": note, "samples": samples(out)}
    return out


def _said(path: Path, parser: _Parser) -> dict[str, object]:
    """Warn of the header kept and the lines dated by their neighbours; their report."""
    report: dict[str, object] = {}
    header = parser.header
    if header is not None:
        report["file_header"] = header.lines
        if header.line_rx is not None:  # (the regex that splits the titled fields off)
            report["regex"] = header.line_rx
        titles = ""
        if header.titles:
            report["titles"] = header.titles
            titles = "; the column titles name " + ", ".join(
                f"{t}={c}" for t, c in header.titles.items())
        warnings.warn(
            f"{path}: {len(header.lines)} header line(s) before the first record (lines "
            f"1-{header.end - 1}) kept in events.attrs['layouts'][file]['file_header']"
            + titles, IngestWarning, stacklevel=3)
    if parser.undated:
        report["undated"] = {}
        for program, n in parser.undated.items():
            text = (f"{n} line(s) without a timestamp dated by the nearest timestamped line "
                    f"of the file (column {TIME_SOURCE}: 'line N')")
            report["undated"][program] = text  # type: ignore[index]
            warnings.warn(f"{path}: {program}: {text}", IngestWarning, stacklevel=3)
    return report


def _with_next(blocks: Iterator[LineBlock]
               ) -> Iterator[tuple[LineBlock, Callable[[], LineBlock | None]]]:
    """Each block with a function giving the block after it (None after the last),
    drawn from ``blocks`` when first asked for."""
    block = next(blocks, None)
    while block is not None:
        after = _drawn_once(blocks)
        yield block, after
        block = after()


def _drawn_once(blocks: Iterator[LineBlock]) -> Callable[[], LineBlock | None]:
    """A function giving the next of ``blocks`` (None at the end), drawn on its first call
    and the same on every later one (each block's own: not a loop variable, which a call
    made after the loop moved on would read anew)."""
    drawn: list[LineBlock | None] = []

    def after() -> LineBlock | None:
        if not drawn:
            drawn.append(next(blocks, None))
        return drawn[0]

    return after


def _as_read(block: LineBlock) -> LineBlock:
    # (the lines stay as the reader framed them: see Extracted)
    return block


def _first_start(block: Extracted) -> int | None:
    """Position of the first line of ``block`` that starts a record (as
    :func:`_parse_block` tells them), if any."""
    is_start = block.parts.is_valid()
    rejected = block.rejected()
    if rejected.any():
        is_start = pc.or_(is_start, pa.array(rejected))
    first = pc.index(is_start, True).as_py()
    return None if first < 0 else first


def _typed_part(name: str, text: pl.Expr) -> pl.Expr:
    """A timestamp part as :func:`assemble` reads it, computed where the regex runs."""
    return part_expr(name[len(TIME_GROUP):], text) if name.startswith(TIME_GROUP) else text


def _as_parts(found: pl.DataFrame) -> pa.StructArray:
    """The groups a regex captured (a column each, null where it did not match) as Arrow,
    a row per line: null where the line did not match."""
    columns = [_large(c.to_arrow()) for c in found.get_columns()]
    matched = columns[found.columns.index("timestamp")].is_valid()
    return pa.StructArray.from_arrays(columns, names=found.columns, mask=pc.invert(matched))


def _large(arr: pa.Array) -> pa.Array:
    # (a cast to the type an array has already still copies it)
    return arr.cast(pa.large_string()) if pa.types.is_string(arr.type) else arr


def _nonblank_sample(head: pa.Array, ansi: bool) -> pa.Array:
    head = pc.drop_null(head)
    if ansi:
        head = pc.replace_substring_regex(head, ANSI, "")
    return pc.filter(head, pa.array(_nonblank(head)))


def _reject_all(path: Path, ctx: LoadContext, block: LineBlock, reason: str) -> None:
    for i, text in enumerate(block.lines.to_pylist()):
        if text is not None and text.strip():
            ctx.rejects.add(str(path), block.first_line + i, reason, text)


def _nonblank(lines: pa.Array, among: np.ndarray | None = None) -> np.ndarray:
    """Which ``lines`` hold more than whitespace; with ``among`` (a mask), only those
    lines are looked at, the others are False."""
    def test(values: pa.Array) -> np.ndarray:
        return pc.fill_null(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(values)), 0),
                            False).to_numpy(zero_copy_only=False)

    if among is None:
        return test(lines)
    out = np.zeros(len(lines), dtype=bool)
    where = np.flatnonzero(among)
    if len(where):
        out[where] = test(lines.take(pa.array(where)))
    return out


def _mtime_rows(block: LineBlock, parser: _Parser) -> tuple[pd.DataFrame, bool]:
    """Every non-blank line of a file without timestamps, dated by the file's
    modification time; and whether they are all after ``end=``."""
    lines = block.lines
    if parser.ansi:
        lines = pc.replace_substring_regex(lines, ANSI, "")
    positions = np.flatnonzero(_nonblank(lines))
    stamp, _ = mtime_note(parser.path)
    frame = pd.DataFrame({
        "timestamp": pd.Series([stamp] * len(positions), dtype="datetime64[us, UTC]"),
        "line": (positions + block.first_line).astype(np.int64),
        "message": lines.take(pa.array(positions)).to_pandas().astype("str"),
        TIME_SOURCE: MTIME,
        "_ts_row": _MTIME_ROW,
        "_unreadable": False,
    })
    return _checked(frame, block, parser, None, lines=lines)


def _parse_block(
    block: Extracted, parser: _Parser, *, final: bool, seen: bool
) -> tuple[pd.DataFrame, Extracted | None, bool, bool]:
    """Records of ``block``; unless ``final``, the last record is returned as the tail.

    ``seen`` says whether a record started in an earlier block: until one has, lines
    without a timestamp belong to no record: the file's header, else rejected.

    Returns
    -------
    frame, tail, seen, past_end
        ``past_end``: every record of the block is after ``ctx.end``.
    """
    ctx, path = parser.ctx, parser.path
    # The lines are read as Arrow (``block.lines``, converted on first use) only where a
    # line is not a record's first: a block of records alone never needs them.
    parts = block.parts
    # A line the reader rejected (NUL byte, invalid UTF-8) is null here. It may have
    # started a record: it ends the one above, and what follows it is not glued on there.
    rejected = block.rejected()
    is_start = parts.is_valid().to_numpy(zero_copy_only=False) | rejected
    starts = np.flatnonzero(is_start)
    tail = None
    if not final:
        if not len(starts):  # only possible before the first record: nothing pending
            _reject_all(path, ctx, block.source, "text before the first timestamped line")
            return pd.DataFrame(), None, seen, False
        cut = int(starts[-1])  # the last record may go on in the next block
        if parser.mux_rx is not None:  # so may the last record of every program
            cut = open_records(block.lines, is_start, parser.mux_rx, cut)
        tail = block.slice(cut)
        block = block.slice(0, cut)
        parts, is_start, starts, rejected = (
            parts.slice(0, cut), is_start[:cut], starts[starts < cut], rejected[:cut])
    every = bool(is_start.all())
    # (of the other lines only: most logs have few)
    nonblank = np.zeros(len(is_start), dtype=bool) if every else _nonblank(block.lines,
                                                                             ~is_start)
    texts, programs = None, None
    if parser.mux_rx is not None:  # a line goes on the record of its own program
        texts, programs = programs_of(block.lines, parser.mux_rx)
    frame, raw_ts = (_records(parts, is_start, starts, rejected, block, parser)
                     if len(starts) else (None, None))
    if frame is not None and not every:  # lines of a second layout, with their own time
        frame, is_start = _with_strays(frame, block.lines if texts is None else texts,
                                       programs, is_start, nonblank, block, parser)
        starts = np.flatnonzero(is_start)
    rec = np.cumsum(is_start) - 1  # record index of every line (-1: before the first)
    if programs is not None:
        rec = records_by_program(is_start, programs)
        parser.timed.update(p for p in programs.take(pa.array(starts)).to_pylist() if p)
    cont = np.flatnonzero(~is_start & nonblank)
    undated = np.array([], dtype=np.int64)
    if not seen or programs is not None:
        orphans = cont[rec[cont] < 0]
        if programs is not None:  # a program that writes no timestamps: dated by others
            names = programs.take(pa.array(orphans)).to_pylist()
            timeless = np.array([n is not None and n not in parser.timed for n in names],
                                dtype=bool)
            undated, orphans = orphans[timeless], orphans[~timeless]
        elif parser.header is not None:  # the file's header: kept, not rejected
            orphans = orphans[orphans + block.first_line >= parser.header.end]
        for i, line_text in zip(orphans, block.lines.take(pa.array(orphans)).to_pylist(),
                                strict=True):
            reason = "text before the first timestamped line"
            if programs is not None:
                name = programs[int(i)].as_py()
                reason = (f"text before the first timestamped line of {name}" if name else
                          "a line without the program prefix of this multiplexed log")
            ctx.rejects.add(str(path), block.first_line + int(i), reason, line_text)
        cont = cont[rec[cont] >= 0]
    seen = seen or len(starts) > 0 or tail is not None
    if frame is not None and len(cont):
        order = np.argsort(rec[cont], kind="stable")  # (by program: records interleave)
        cont = cont[order]
        if texts is None:
            texts = block.lines
        frame = fold_continuations(frame, rec[cont],
                                   np.array(texts.take(cont).to_pylist(), dtype=object))
    if len(undated):
        assert programs is not None and texts is not None
        rows = _undated_rows(undated, texts, programs, starts, frame, block, parser)
        frame = rows if frame is None else pd.concat([frame, rows]).sort_values(
            "line", kind="stable", ignore_index=True)
    if frame is None:
        return pd.DataFrame(), tail, seen, False
    out, past_end = _checked(frame, block, parser, raw_ts)
    return level_categories(out), tail, seen, past_end


def _records(parts: pa.StructArray, is_start: np.ndarray, starts: np.ndarray,
             rejected: np.ndarray, block: Extracted, parser: _Parser
             ) -> tuple[pd.DataFrame, pa.Array]:
    """The records the layout's regexes start, with their timestamps; ``_ts_row`` and
    ``_unreadable`` (the line was rejected by the reader) for :func:`_checked`."""
    records = parts if len(starts) == len(parts) else parts.filter(pa.array(is_start))
    fields = {f.name: records.field(i) for i, f in enumerate(records.type)}
    frame = pd.DataFrame({parser.columns.get(k, k): v.to_pandas() for k, v in fields.items()
                          if k != "timestamp" and not k.startswith(TIME_GROUP)})
    frame["timestamp"] = parser.timestamps(fields["timestamp"], fields)
    numbers = (starts + block.first_line).astype(np.int64)
    frame["line"] = numbers
    if "message" not in frame:  # a user pattern without one: the whole line
        frame["message"] = block.lines.take(starts).to_pandas()
    frame = level_words(frame)
    frame["_ts_row"] = np.arange(len(frame))  # (its text: the raw_ts of _checked)
    frame["_unreadable"] = rejected[starts]
    return frame, fields["timestamp"]


def _with_strays(frame: pd.DataFrame, texts: pa.Array, programs: pa.Array | None,
                 is_start: np.ndarray, nonblank: np.ndarray, block: LineBlock | Extracted,
                 parser: _Parser) -> tuple[pd.DataFrame, np.ndarray]:
    """``frame`` and ``is_start`` with the lines of a second layout that carry their own
    time (see :mod:`~postmortem_kit.ingest.lines.strays`) as records of their own."""
    candidate = ~is_start & nonblank
    if programs is not None:
        candidate &= programs.is_valid().to_numpy(zero_copy_only=False)
    if not candidate.any():
        return frame, is_start
    indented = pc.fill_null(pc.match_substring_regex(texts, r"^\s"), True).to_numpy(
        zero_copy_only=False)
    where = np.flatnonzero(candidate & ~indented)
    if not len(where):
        return frame, is_start
    ctx = parser.ctx
    found = own_times(texts.take(pa.array(where)), tz=ctx.tz, year=ctx.year,
                      path=parser.path)
    if not len(found):
        return frame, is_start
    positions = where[found["position"].to_numpy()]
    ok = between_neighbours(positions, found["timestamp"], np.flatnonzero(is_start),
                            frame["timestamp"])
    if not ok.any():
        return frame, is_start
    found, positions = found[ok].reset_index(drop=True), positions[ok]
    rows = pd.DataFrame({
        "timestamp": found["timestamp"],
        "line": (positions + block.first_line).astype(np.int64),
        "message": found["message"].astype("str"),
        "prefix": found["prefix"].where(found["prefix"] != "").astype("str"),
        "_ts_row": _STRAY_ROW,
        "_unreadable": False,
    })
    if programs is not None:
        rows["service"] = pd.Series(programs.take(pa.array(positions)).to_pylist(),
                                    dtype="str")
    is_start = is_start.copy()
    is_start[positions] = True
    frame = pd.concat([frame, rows]).sort_values("line", kind="stable", ignore_index=True)
    return frame, is_start


def _undated_rows(positions: np.ndarray, texts: pa.Array, programs: pa.Array,
                  starts: np.ndarray, frame: pd.DataFrame | None, block: LineBlock | Extracted,
                  parser: _Parser) -> pd.DataFrame:
    """The lines of programs that write no timestamps, each a record dated by the
    nearest timestamped line (see :mod:`~postmortem_kit.ingest.lines.undated`); a line
    indented by a tab or two blanks (a traceback's frames) goes on the record above it
    of the same program."""
    text = texts.take(pa.array(positions))
    names = programs.take(pa.array(positions))
    indented = pc.fill_null(pc.match_substring_regex(text, r"^(?:\t|  )"), False).to_numpy(
        zero_copy_only=False)
    rec = records_by_program(~indented, names)
    head = ~indented | (rec < 0)  # (an indented line with nothing above it: its own record)
    rec = np.where(head, np.cumsum(head) - 1, records_by_program(head, names))
    empty = pd.Series([], dtype="datetime64[us, UTC]")
    times, source = nearest_times(
        positions[head], starts, frame["timestamp"] if frame is not None else empty,
        frame["line"].to_numpy() if frame is not None else np.array([], dtype=np.int64),
        before=parser.last_stamp)
    first = text.filter(pa.array(head))
    leading = pc.extract_regex(first, _LEADING_LEVEL)
    has_level = leading.is_valid()
    heads = names.filter(pa.array(head)).to_pylist()
    for name in heads:
        parser.undated[name] = parser.undated.get(name, 0) + 1
    rows = pd.DataFrame({
        "timestamp": times,
        "line": (positions[head] + block.first_line).astype(np.int64),
        "service": pd.Series(heads, dtype="str"),
        "level": pd.Series(pc.if_else(has_level, leading.field("level"), None).to_pandas(),
                           dtype="str"),
        "message": pd.Series(pc.if_else(has_level, leading.field("message"), first)
                             .to_pandas(), dtype="str"),
        TIME_SOURCE: [f"line {n}" if n >= 0 else None for n in source.tolist()],
        "_ts_row": _UNDATED_ROW,
        "_unreadable": False,
    })
    folded = np.flatnonzero(~head)
    if len(folded):
        folded = folded[np.argsort(rec[folded], kind="stable")]
        texts_of = np.array(text.take(pa.array(folded)).to_pylist(), dtype=object)
        rows = fold_continuations(rows, rec[folded], texts_of)
    return rows


def _checked(frame: pd.DataFrame, block: LineBlock | Extracted, parser: _Parser,
             raw_ts: pa.Array | None, *, lines: pa.Array | None = None
             ) -> tuple[pd.DataFrame, bool]:
    """``frame`` without the records whose time is invalid or implausible (rejected,
    with the reason) or outside ``start=`` / ``end=``; and whether all are after ``end=``.

    ``raw_ts``: the timestamp texts of the layout's records (``_ts_row`` indexes them; a
    negative ``_ts_row`` marks a row dated otherwise). A rejected record quotes its line
    of ``lines`` (default: ``block.lines``, converted only then)."""
    ctx, path = parser.ctx, parser.path
    rows = frame.pop("_ts_row").to_numpy()

    def text_of(i: int) -> str:
        row = int(rows[i])
        if row >= 0 and raw_ts is not None:
            return str(raw_ts[row].as_py())
        return {_UNDATED_ROW: _NO_NEIGHBOUR, _MTIME_ROW: "the file's modification time"}.get(
            row, str(frame["timestamp"].iat[i]))

    unreadable = frame.pop("_unreadable").to_numpy(dtype=bool)
    numbers = frame["line"].to_numpy(dtype=np.int64)

    def reject(i: int, reason: str) -> None:
        line = int(numbers[i])
        texts = block.lines if lines is None else lines
        ctx.rejects.add(str(path), line, reason, texts[line - block.first_line].as_py())

    for i in np.flatnonzero(frame["timestamp"].isna().to_numpy() & ~unreadable).tolist():
        text = text_of(i)
        reject(i, text if text == _NO_NEIGHBOUR else f"timestamp {text!r} is not a valid date")
    keep = frame["timestamp"].notna()
    far = outside(pa.array(frame["timestamp"]), ctx.valid_times)
    for i in np.flatnonzero(far).tolist():
        reject(i, f"timestamp {text_of(i)!r}: " + describe(
            show(frame["timestamp"].iat[i]), ctx.valid_times))
    keep &= ~far
    dated = frame["timestamp"].notna().to_numpy() & ~far
    if dated.any():
        last = int(np.flatnonzero(dated)[-1])
        parser.last_stamp = (cast(pd.Timestamp, frame["timestamp"].iat[last]),
                             int(numbers[last]))
    past_end = False
    if ctx.start is not None:
        keep &= frame["timestamp"] >= ctx.start
    if ctx.end is not None:
        past_end = bool((frame["timestamp"] > ctx.end).all())
        keep &= frame["timestamp"] <= ctx.end
    if not keep.all():  # (else no copy of every column)
        frame = frame.loc[keep]
    return frame.reset_index(drop=True), past_end
