"""JSON evidence documents (API responses, exports, webhook logs) for the JSON formats.

Alertmanager, PagerDuty, Slack, Kubernetes and deploy lists all arrive either as one JSON
document per file (an API response saved with ``curl``, pretty-printed or not) or as one
document per line (a webhook receiver's log). :func:`read_documents` accepts both, through
the shared line reader (compression, invalid UTF-8 and NUL bytes handled there), and rejects
what does not parse with the line and the parser's message. The helpers below turn
records into rows: flattened with dots, times parsed to UTC one at a time so one bad
value rejects one record, not the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.files.blocks import iter_lines
from postmortem_kit.ingest.limits import TooDeep, first_too_deep, loads, nesting_depth
from postmortem_kit.ingest.records.fields import EPOCH_TEXT, epoch_to_utc
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.schema import TIMESTAMP_DTYPE

_EPOCH = re.compile(EPOCH_TEXT)
_INTEGER = re.compile(r"^[+-]?\d+$")


def read_documents(path: Path, ctx: LoadContext) -> Iterator[tuple[int, Any, bool]]:
    """Yield ``(line, document, per_line)`` for each JSON document of ``path``.

    A file that parses as a whole is one document (``line`` is where it starts). Otherwise
    each non-blank line is its own document, or, when the first line alone is not JSON,
    the file is a stream of concatenated pretty-printed documents (``kubectl get -w -o
    json`` writes that). A line or document that does not parse, or nests deeper than
    ``ctx.max_depth``, is rejected with the parser's message. ``per_line`` tells the caller
    which it got, so it can report rows by line or by JSON path.
    """
    lines = list(iter_lines(path, ctx))
    text = "\n".join(t for _, t in lines)
    first = next((n for n, t in lines if t.strip()), None)
    if first is None:
        return
    limit = ctx.max_depth
    too_deep = nesting_depth(text) > limit  # (then no parser may see the whole text)
    if not too_deep:
        try:
            yield first, json.loads(text), False
            return
        except ValueError:
            pass
    docs = [(n, t) for n, t in lines if t.strip()]
    try:
        loads(docs[0][1], limit)
    except TooDeep:
        pass  # a JSON-lines file whose first line is too deep: rejected below
    except ValueError:
        yield from _concatenated(path, ctx, lines, text, too_deep)
        return
    for number, t in docs:
        try:
            yield number, loads(t, limit), True
        except ValueError as exc:
            ctx.rejects.add(str(path), number, _why(exc), t)


def _why(exc: ValueError) -> str:
    if isinstance(exc, TooDeep):
        return exc.msg
    return f"invalid JSON: {getattr(exc, 'msg', exc)}"


def _concatenated(path: Path, ctx: LoadContext, lines: list[tuple[int, str]],
                  text: str, too_deep: bool) -> Iterator[tuple[int, Any, bool]]:
    """Documents written one after another; the first that does not parse ends the file."""
    decoder = json.JSONDecoder()
    if too_deep:
        # Documents end where the nesting is back at zero; the parser only reads the text
        # before the first bracket beyond the limit, so the deep document fails to parse
        # there instead of exhausting the recursion.
        text = text[:first_too_deep(text, ctx.max_depth)]
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        index = text.count("\n", 0, pos)
        line = lines[index][0]
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except ValueError as exc:
            if too_deep and getattr(exc, "pos", 0) >= len(text) - 1:
                ctx.rejects.add(str(path), line, TooDeep(ctx.max_depth).msg, lines[index][1])
                return
            at = lines[min(getattr(exc, "lineno", 1), len(lines)) - 1]
            ctx.rejects.add(str(path), at[0], f"invalid JSON: {getattr(exc, 'msg', exc)} (the "
                            "rest of the file from here is not read)", at[1])
            return
        yield line, doc, True


def reject_item(ctx: LoadContext, file: str | Path, line: int | None, where: str,
                reason: str, item: Any) -> None:
    """Reject one JSON item, named by its JSON path; RejectLog keeps (and shortens) its text."""
    ctx.rejects.add(str(file), line, f"{where}: {reason}", json.dumps(item, default=str))


def flatten(obj: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """Nested mappings as one level with dotted keys; lists become JSON text.

    Lists are kept whole (as JSON) rather than exploded, so a column stays one value per
    row and nothing the source said is lost.
    """
    out = {} if out is None else out
    if isinstance(obj, dict):
        if not obj and prefix:
            out[prefix] = "{}"
        for k, v in obj.items():
            flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(obj, list):
        out[prefix] = json.dumps(obj, ensure_ascii=False)
    else:
        out[prefix] = obj
    return out


# Events-frame columns that a source's own field of the same name must not fill: they mean
# something else there (an HTTP status, the evidence source, the kind of evidence).
RESERVED = ("timestamp", "source", "kind", "level", "line", "status")


def keep_clear(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    """``row`` with source fields named like :data:`RESERVED` columns renamed ``prefix_name``."""
    return {(f"{prefix}_{k}" if k in RESERVED else k): v for k, v in row.items()}


def parse_time(value: Any, tz: str = "UTC") -> pd.Timestamp | None:
    """``value`` as a UTC Timestamp, or None when it is empty or unusable.

    Accepts ISO 8601 text (naive text is read in ``tz``) and epoch numbers, as numbers or
    digit strings, in seconds, milliseconds, microseconds or nanoseconds (told apart by
    magnitude). Go's zero time is None: the caller decides whether that rejects the record
    or means "not yet" (an alert still firing).
    """
    if value is None or isinstance(value, bool) or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    if isinstance(value, int | float) or _EPOCH.match(text):
        number = int(text) if _INTEGER.match(text) else float(text)  # ints keep their ns
        try:
            values = np.array([number], dtype="int64" if isinstance(number, int) else "float64")
        except OverflowError:
            values = np.array([number], dtype="float64")
        us = pc.cast(epoch_to_utc(values), pa.int64())[0].as_py()
        return None if us is None else pd.Timestamp(us, unit="us", tz="UTC")
    if not text or text.startswith("0001-01-01"):
        return None
    try:
        t = pd.Timestamp(text)
    except (ValueError, OverflowError):
        return None
    if t is pd.NaT:
        return None
    return (t.tz_localize(tz) if t.tzinfo is None else t).tz_convert("UTC")


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts with a UTC ``timestamp``) as a frame; time column typed, text kept.

    Values of mixed types in one column (a label that is a number in one alert and text in
    the next) become text, so the frame never fails to build.
    """
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame({"timestamp": pd.Series([], dtype=TIMESTAMP_DTYPE),
                             "message": pd.Series([], dtype="str")})
    df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True).astype(TIMESTAMP_DTYPE)
    for col in df.columns:
        if df[col].dtype == object:
            kinds = {type(v) for v in df[col].dropna()}
            if len(kinds) > 1 or kinds & {dict, list}:
                df[col] = df[col].map(_as_text, na_action="ignore").astype("str")
            elif kinds <= {str}:
                df[col] = df[col].astype("str")
    return df


def _as_text(v: Any) -> str:
    if isinstance(v, dict | list):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def head_document(head: str) -> Any:
    """The first JSON document of a sniffed head: the whole head, else its first line.

    Returns None when neither parses (the head may also be a cut-off prefix of a large
    document; sniffers fall back to looking for keys in the text then).
    """
    text = head.strip()
    for candidate in (text, text.split("\n", 1)[0]):
        try:
            return loads(candidate)
        except ValueError:  # (TooDeep too)
            continue
    return None


def has_keys(head: str, *keys: str) -> bool:
    """Whether every ``"key":`` appears in the text (a sniff for documents cut by the head)."""
    return all(re.search(rf'"{re.escape(k)}"\s*:', head) for k in keys)
