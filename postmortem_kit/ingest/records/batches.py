"""Batches of structured records (JSONL, logfmt, CSV rows) into one events frame.

Loaders of key/value formats hand this module Arrow tables (or Python dicts) batch by
batch, each row tagged with its line number. Per batch it finds the time field, rejects
rows whose time is missing or unparseable (with the line's text), and cuts to the
``start``/``end`` window, so a huge file is never held whole. At the end it unifies the
batches' schemas (a field whose type changes between batches becomes text; a key that
appears late is kept, NA before it) and renames the usual fields to the schema's names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.limits import describe, outside, show
from postmortem_kit.ingest.records.fields import (
    CANDIDATES,
    RESERVED,
    apply_fields,
    check_fields_exist,
    epoch_pairs,
    resolve_fields,
    time_like_fields,
)
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.schema import as_str, empty_events
from postmortem_kit.ingest.times import parse_timestamps

OTHER_FIELDS = ("level", "message", "service", "host", "trace_id", "user", "status",
                "latency_ms", "method", "path")
_TS_UNIT = pa.timestamp("us", tz="UTC")

TextOf = Callable[[int], "bytes | str"]  # line number -> the line's text, for rejects


class RecordTables:
    """Collects the accepted records of one file; see the module docstring."""

    def __init__(self, name: str, ctx: LoadContext, times: tuple[str, ...] | None = None,
                 unit: str | None = None):
        self.name = name
        self.ctx = ctx
        self.tables: list[pa.Table] = []
        # The time fields in order of preference (a format that knows its source names
        # them: journald's event time, then its receive time); default: the usual names.
        self.times = times or CANDIDATES["timestamp"]
        self.unit = unit  # the epoch unit of the time field, when the format knows it

    def add_rows(self, rows: list[dict], lines: Iterable[int], text_of: TextOf) -> None:
        """Add Python records (flat dicts); a column of mixed types becomes text."""
        if rows:
            self.add_table(rows_to_table(rows), np.asarray(list(lines), dtype="int64"), text_of)

    def add_table(self, table: pa.Table, lines: np.ndarray, text_of: TextOf) -> None:
        """Add one batch: resolve its time field, reject rows without a time, cut, keep."""
        ctx = self.ctx
        if "timestamp" in ctx.fields or self.times is CANDIDATES["timestamp"]:
            src = resolve_fields(table.column_names, ctx.fields, ["timestamp"]).get("timestamp")
        else:
            src = next((t for t in self.times if t in table.column_names), None)
        if src is None and "timestamp" not in ctx.fields and self.times is CANDIDATES["timestamp"]:
            table, src = self._time_like(table)
        if src is None:
            looked = ctx.fields.get("timestamp") or ", ".join(self.times[:6])
            if self.times is CANDIDATES["timestamp"] and "timestamp" not in ctx.fields:
                looked += ", or a field named like a time (started_at, eventTime) holding times"
            for number in lines:
                ctx.rejects.add(self.name, int(number), f"no timestamp field (looked for {looked})",
                                text_of(int(number)))
            return
        # A row without the chosen field may spell its time another usual way ("time"
        # where most rows say "ts"): the first of those with a value is its time.
        names = [src] if "timestamp" in ctx.fields else [src, *(
            c for c in self.times if c != src and c in table.column_names)]
        ts = self._times(table.column(src))
        which = np.zeros(len(ts), dtype=np.int64)  # index in names of each row's field
        missing = _missing(table.column(src)) if ts.null_count else np.zeros(len(ts), bool)
        for k, name in enumerate(names[1:], start=1):
            if not missing.any():
                break
            use = missing & ~_missing(table.column(name))
            if use.any():
                ts = pc.if_else(pa.array(use), self._times(table.column(name)), ts)
                which[use] = k
                missing &= ~use
        bad = pc.fill_null(ts.is_null(), True).to_numpy(zero_copy_only=False)
        late_or_early = outside(ts, ctx.valid_times)
        if bad.any() or late_or_early.any():
            for i in np.flatnonzero(bad | late_or_early).tolist():
                number = int(lines[i])
                name = names[which[i]]
                value = _value(table.column(name), i)
                if missing[i]:
                    detail = f"no value for {src!r}"
                elif bad[i]:
                    detail = f"unparseable timestamp {value!r} in {name!r}"
                else:
                    detail = f"{name!r} value {value!r}: " + describe(
                        show(ts[i].cast(pa.int64()).as_py()), ctx.valid_times)
                ctx.rejects.add(self.name, number, detail, text_of(number))
            ts = pc.if_else(pa.array(late_or_early), pa.scalar(None, _TS_UNIT), ts)
        keep = ts.is_valid()
        if ctx.start is not None:
            keep = pc.and_(keep, pc.greater_equal(ts, pa.scalar(ctx.start, _TS_UNIT)))
        if ctx.end is not None:
            keep = pc.and_(keep, pc.less_equal(ts, pa.scalar(ctx.end, _TS_UNIT)))
        table = table.drop_columns([src])
        table = table.rename_columns(
            [f"{c}_raw" if c in RESERVED else c for c in table.column_names]
        )
        table = table.append_column("timestamp", ts).append_column(
            "line", pa.array(lines, pa.int64())
        )
        if not pc.all(keep).as_py():
            table = table.filter(keep)
        if table.num_rows:
            self.tables.append(table)

    def _time_like(self, table: pa.Table) -> tuple[pa.Table, str | None]:
        """For records with no usual time field: a time written as seconds + nanoseconds,
        else the first field named like a point in time (``started_at``) whose values are
        mostly times in the plausible window. The table gains the pair's column."""
        for prefix, seconds, nanos in epoch_pairs(table.column_names):
            secs = pc.cast(table.column(seconds), pa.int64(), safe=False)
            ns = pc.add(pc.multiply(secs, 1_000_000_000),
                        pc.cast(table.column(nanos), pa.int64(), safe=False))
            name = prefix if prefix not in table.column_names else f"{prefix}.time"
            stamps = pc.cast(ns, pa.timestamp("ns", tz="UTC"))
            table = table.drop_columns([seconds, nanos]).append_column(name, stamps)
            return table, name
        for name in time_like_fields(table.column_names):
            ts = self._times(table.column(name))
            valid = pc.and_(ts.is_valid(), pa.array(~outside(ts, self.ctx.valid_times)))
            if pc.sum(pc.cast(valid, pa.int64())).as_py() * 2 > len(ts):
                return table, name
        return table, None

    def _times(self, raw: pa.Array | pa.ChunkedArray) -> pa.Array:
        if self.unit is None:
            return parse_timestamps(raw, self.ctx.tz)
        return parse_timestamps(raw, self.ctx.tz, unit=self.unit)

    def frame(self) -> pd.DataFrame:
        """All kept records as one frame, usual fields renamed to the schema's names."""
        if not self.tables:
            return empty_events()
        table = concat_tables(self.tables)
        self.tables = []
        # Integers stay integers: a column with gaps would become float64 (and lose digits).
        df = table.to_pandas(split_blocks=True, self_destruct=True,
                             types_mapper=_nullable_ints)
        if self.ctx.tz == "UTC":
            # Arrow reads ISO text into naive timestamps, converting any offset to UTC; with
            # tz="UTC" a naive one is UTC too, so other times (a receive time) say so.
            for col in df.columns:
                if col != "timestamp" and pd.api.types.is_datetime64_dtype(df[col].dtype):
                    df[col] = df[col].dt.tz_localize("UTC")
        fields = {k: v for k, v in self.ctx.fields.items() if k != "timestamp"}
        check_fields_exist(fields, df.columns, self.name)
        df = apply_fields(df, resolve_fields(df.columns, fields, OTHER_FIELDS))
        if "message" in df and "message" not in fields:
            # A row without the chosen field may say it under another usual name ("msg"
            # where most rows say "message"): the first of those with a value is its message.
            for name in CANDIDATES["message"]:
                if name in df and name != "message" and df["message"].isna().any():
                    df["message"] = as_str(df["message"]).fillna(as_str(df[name]))
        return df


def _value(col: pa.Array | pa.ChunkedArray, i: int):
    """The Python value of one cell, for a reason (its text when Python cannot hold it)."""
    try:
        return col[i].as_py()
    except (ValueError, OverflowError):
        return str(col[i])


def _missing(raw: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Where a time field is null or blank."""
    missing = raw.is_null()
    if pa.types.is_string(raw.type) or pa.types.is_large_string(raw.type):
        blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(raw), ""), False)
        missing = pc.or_(missing, blank)
    return missing.to_numpy(zero_copy_only=False)


_INT_DTYPES = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(),
               pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(),
               pa.uint8(): pd.UInt8Dtype(), pa.uint16(): pd.UInt16Dtype(),
               pa.uint32(): pd.UInt32Dtype(), pa.uint64(): pd.UInt64Dtype()}


def _nullable_ints(typ: pa.DataType):
    return _INT_DTYPES.get(typ)


def as_text(value) -> str | None:
    """A value as text: strings unchanged, anything else as its JSON spelling."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


# Integers beyond this magnitude lose digits in a float64: such a column stays text.
EXACT_IN_FLOAT = 2**53


def column(values: list) -> pa.Array:
    """An Arrow column from Python values; a column of mixed types becomes text, and so
    does one mixing floats with integers a float cannot hold exactly."""
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([as_text(v) for v in values], pa.string())
    if pa.types.is_floating(arr.type) and any(
            type(v) is int and abs(v) > EXACT_IN_FLOAT for v in values):
        return pa.array([as_text(v) for v in values], pa.string())
    return arr


def rows_to_table(rows: list[dict]) -> pa.Table:
    """A table from flat dicts; columns in order of first appearance."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return pa.table({n: column([row.get(n) for row in rows]) for n in names})


def _unified_type(types: set[pa.DataType]) -> pa.DataType:
    types = {t for t in types if not pa.types.is_null(t)}
    if not types:
        return pa.null()
    if len(types) == 1:
        return next(iter(types))
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in types):
        return pa.float64()
    return pa.string()


def _exact_numbers(tables: list[pa.Table]) -> list[pa.Table]:
    """Columns that are integers in some tables and floats in others, where an integer is
    too large for a float to hold exactly, made text in every table (Arrow's promotion
    would turn 1234567890123456789 into ...768)."""
    kinds: dict[str, set[str]] = {}
    for t in tables:
        for f in t.schema:
            if pa.types.is_integer(f.type) or pa.types.is_floating(f.type):
                kinds.setdefault(f.name, set()).add("int" if pa.types.is_integer(f.type)
                                                    else "float")
    mixed = [name for name, k in kinds.items() if len(k) == 2]
    risky = [name for name in mixed if any(
        name in t.column_names and pa.types.is_integer(t.schema.field(name).type)
        and (pc.max(pc.abs(pc.cast(t.column(name), pa.float64()))).as_py() or 0)
        > EXACT_IN_FLOAT for t in tables)]
    if not risky:
        return tables
    out = []
    for t in tables:
        for name in risky:
            if name in t.column_names:
                i = t.column_names.index(name)
                t = t.set_column(i, name, _number_strings(t.column(name)))
        out.append(t)
    return out


def _number_strings(col: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_integer(col.type):
        return pc.cast(col, pa.string())
    return pa.chunked_array([pa.array([None if v is None else repr(v) for v in
                                       col.to_pylist()], pa.string())])


def _cast(col: pa.ChunkedArray, to: pa.DataType) -> pa.ChunkedArray:
    if col.type == to:
        return col
    try:
        return pc.cast(col, to)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # lists, structs -> JSON text
        return pa.chunked_array([pa.array([as_text(v) for v in col.to_pylist()], to)])


def concat_tables(tables: list[pa.Table]) -> pa.Table:
    """Concatenate batch tables whose columns and types may differ."""
    if len(tables) == 1:
        return tables[0]
    tables = _exact_numbers(tables)
    try:  # Arrow's own promotion covers added columns and int -> float, in C
        return pa.concat_tables(tables, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass
    types: dict[str, set[pa.DataType]] = {}
    for t in tables:
        for f in t.schema:
            types.setdefault(f.name, set()).add(f.type)
    target = {name: _unified_type(ts) for name, ts in types.items()}
    out = []
    for t in tables:
        cols = {}
        for name, typ in target.items():
            if name in t.column_names:
                cols[name] = _cast(t.column(name), typ)
            else:
                cols[name] = pa.nulls(t.num_rows, typ)
        out.append(pa.table(cols))
    return pa.concat_tables(out)
