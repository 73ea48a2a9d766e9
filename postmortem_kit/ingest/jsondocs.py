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

import pandas as pd

from postmortem_kit.ingest.files import iter_lines
from postmortem_kit.ingest.registry import LoadContext
from postmortem_kit.ingest.schema import TIMESTAMP_DTYPE

_EPOCH = re.compile(r"^-?\d{9,19}(?:\.\d+)?$")
_INTEGER = re.compile(r"^-?\d+$")
# Epoch magnitude -> unit: 1e11 s is the year 5138, 1e11 ms is 1973.
_EPOCH_UNITS = ((1e11, "s"), (1e14, "ms"), (1e17, "us"), (float("inf"), "ns"))


def read_documents(path: Path, ctx: LoadContext) -> Iterator[tuple[int, Any, bool]]:
    """Yield ``(line, document, per_line)`` for each JSON document of ``path``.

    A file that parses as a whole is one document (``line`` is where it starts). Otherwise
    each non-blank line is its own document, or, when the first line alone is not JSON,
    the file is a stream of concatenated pretty-printed documents (``kubectl get -w -o
    json`` writes that). A line or document that does not parse is rejected with the
    parser's message. ``per_line`` tells the caller which it got, so it can report rows by
    line or by JSON path.
    """
    lines = list(iter_lines(path, ctx))
    text = "\n".join(t for _, t in lines)
    first = next((n for n, t in lines if t.strip()), None)
    if first is None:
        return
    try:
        yield first, json.loads(text), False
        return
    except ValueError:
        pass
    docs = [(n, t) for n, t in lines if t.strip()]
    try:
        json.loads(docs[0][1])
    except ValueError:
        yield from _concatenated(path, ctx, lines, text)
        return
    for number, t in docs:
        try:
            yield number, json.loads(t), True
        except ValueError as exc:
            ctx.rejects.add(str(path), number, f"invalid JSON: {getattr(exc, 'msg', exc)}", t)


def _concatenated(path: Path, ctx: LoadContext, lines: list[tuple[int, str]],
                  text: str) -> Iterator[tuple[int, Any, bool]]:
    """Documents written one after another; the first that does not parse ends the file."""
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        line = lines[text.count("\n", 0, pos)][0]
        try:
            doc, pos = decoder.raw_decode(text, pos)
        except ValueError as exc:
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
        unit = next(u for limit, u in _EPOCH_UNITS if abs(number) < limit)
        try:
            return pd.Timestamp(number, unit=unit, tz="UTC")
        except (ValueError, OverflowError):
            return None
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
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def has_keys(head: str, *keys: str) -> bool:
    """Whether every ``"key":`` appears in the text (a sniff for documents cut by the head)."""
    return all(re.search(rf'"{re.escape(k)}"\s*:', head) for k in keys)
