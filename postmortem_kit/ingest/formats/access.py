"""``access``: nginx and Apache access logs (combined and common log formats).

Recognised line shapes (the first that fits each line wins)::

    combined  1.2.3.4 - alice [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 2326 "ref" "agent"
    common    1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 2326
    vhost     www.example.com:443 1.2.3.4 - - [...] "GET / HTTP/1.1" 200 512 "-" "curl/8"

followed by anything: a number there is the latency, nginx's ``$request_time`` (seconds,
with a decimal point: ``0.042``) or Apache's ``%D`` (whole microseconds: ``42000``), also
as ``rt=0.042``. The unit is decided from the first latency in the file (a log has one
format); ``latency_unit="s" | "ms" | "us"`` overrides the guess.
What follows the known fields is kept in ``extra``.

Columns: ``client`` (the remote address: ``host`` is kept for the virtual host of the
vhost formats, the server that answered, as logged: ``www.example.com:443``), ``ident``
(only when some line has one), ``user``, ``method``, ``path``, ``protocol``,
``status``, ``bytes`` (``-`` means no body: 0), ``referer``, ``user_agent``,
``latency_ms``; ``kind="request"``, ``level`` from the status (5xx error, 4xx warning,
else info) and ``message`` the request line as logged. A request line that is not
``METHOD PATH [PROTOCOL]`` (a TLS handshake sent to a plain-HTTP port, ``"-"``) is kept:
it is evidence of what reached the server; its method and path are NA and
``parse_note`` says why. Lines no shape fits are rejected with their line numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.errors import IngestError
from postmortem_kit.ingest.lines.columns import LineBlock
from postmortem_kit.ingest.lines.events import drop_empty, load_matched
from postmortem_kit.ingest.lines.match import Matches, dash_is_na
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.schema import LEVEL_DTYPE, LEVELS

_Q = r'(?:[^"\\]|\\.)*'  # a quoted field, with backslash escapes (Apache writes \")
# The request line split by the regex itself (one pass instead of two); a line whose
# request is not METHOD PATH PROTOCOL falls through to the same shape with a raw request.
_REQUEST = (
    r'"(?P<request>(?P<method>[A-Z][A-Z0-9_-]*) (?P<path>[^" ]+) (?P<protocol>HTTP/[0-9.]+))"'
)
_RAW_REQUEST = r'"(?P<request>' + _Q + r')"'
_VHOST = r"(?P<vhost>\S+) "
_AGENTS = r' "(?P<referer>' + _Q + r')" "(?P<user_agent>' + _Q + r')"'


def _pattern(vhost: bool, agents: bool, request: str) -> str:
    return (
        "^" + (_VHOST if vhost else "")
        + r"(?P<client>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time>[^\]]*)\] "
        + request + r" (?P<status>\d{3}) (?P<bytes>\d+|-)"
        + (_AGENTS if agents else "") + r"(?P<tail>.*)$"
    )


# In priority order: when the first lines fit several equally well, the earlier wins
# (a combined line also fits the common shape, its referer and agent in the tail).
PATTERNS = tuple(
    _pattern(vhost, agents, request)
    for vhost, agents in ((False, True), (True, True), (False, False), (True, False))
    for request in (_REQUEST, _RAW_REQUEST)
)
COMBINED = PATTERNS[0]
TIME_FORMAT = "%d/%b/%Y:%H:%M:%S %z"
_REQUEST_PARTS = (
    r"^(?P<method>[A-Za-z][A-Za-z0-9_-]*) (?P<path>\S.*?)(?: (?P<protocol>HTTP/[\d.]+))?$"
)
_LATENCY = r'(?:^|\s)(?:(?:rt|request_time)=)?"?(\d+(?:\.\d+)?)"?(?:\s|$)'
_INFO, _WARNING, _ERROR = (LEVELS.index(x) for x in ("info", "warning", "error"))
_UNIT_TO_MS = {"s": 1000.0, "ms": 1.0, "us": 0.001}
_NOT_A_REQUEST = "request line is not METHOD PATH [PROTOCOL]"


def sniff(path: Path, head: str) -> float:
    """Share of the first lines that are access-log lines, scaled to 0.95."""
    lines = [ln for ln in head.splitlines()[:200] if ln.strip()]
    if not lines:
        return 0.0
    s = pl.Series(lines, dtype=pl.String)
    hits = s.str.contains(PATTERNS[5]) | s.str.contains(PATTERNS[7])  # common, raw request
    return round(0.95 * int(hits.sum()) / len(lines), 3)


@register("access", sniff=sniff, kind="request", times_checked=True)
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load an nginx / Apache access log; see the module docstring.

    Examples
    --------
    >>> from postmortem_kit.ingest.rejects import RejectLog
    >>> ctx = LoadContext(source="nginx", rejects=RejectLog())
    >>> frame = load(Path("access.log"), ctx)  # doctest: +SKIP
    """
    unit = ctx.options.get("latency_unit")
    if unit is not None and unit not in _UNIT_TO_MS:
        raise IngestError(f"latency_unit must be one of s, ms, us; got {unit!r}", file=str(path))
    state = {"latency_unit": unit}  # what the first lines decided, for the whole file
    return load_matched(
        path, ctx, choose=_patterns, key="status", derive=_derive,
        frame=lambda m, block, rx: _frame(m, block, state), categories={"level": LEVEL_DTYPE},
        unmatched="not an access-log line (combined or common log format)",
        bad_time=f"access-log time is not {TIME_FORMAT!r}",
    )


def _patterns(lines: pl.Series) -> list[str]:
    """The shapes, the most common in the file's first lines first (ties: priority)."""
    counts = [int(lines.str.contains(rx).sum()) for rx in PATTERNS]
    return [PATTERNS[i] for i in sorted(range(len(PATTERNS)), key=lambda i: (-counts[i], i))]


def _derive(rx: str, groups: pl.LazyFrame) -> pl.LazyFrame:
    """The typed columns of one line shape from its groups (they are computed while the
    file is streamed, on all cores)."""
    names = set(re.compile(rx).groupindex)
    status = pl.col("status").cast(pl.Int16)
    typed = [
        pl.col("time").str.strptime(pl.Datetime("us", "UTC"), TIME_FORMAT, strict=False)
        .alias("timestamp"),
        dash_is_na("user"),
        dash_is_na("ident"),
        status,
        pl.when(status >= 500).then(pl.lit(_ERROR, pl.Int8))
        .when(status >= 400).then(pl.lit(_WARNING, pl.Int8))
        .otherwise(pl.lit(_INFO, pl.Int8)).alias("level"),
        pl.when(pl.col("bytes") == "-").then(pl.lit(0, pl.Int64))
        .otherwise(pl.col("bytes").cast(pl.Int64, strict=False)).alias("bytes"),
        pl.col("request").alias("message"),
        pl.col("tail").str.slice(1).cast(pl.Float64, strict=False).alias("_number"),
    ]
    if "method" not in names:  # the raw-request shapes: split what can be split
        parts = pl.col("request").str.extract_groups(_REQUEST_PARTS)
        typed += [parts.struct.field(f).alias(f) for f in ("method", "path", "protocol")]
        typed.append(pl.when(parts.struct.field("method").is_null())
                     .then(pl.lit(_NOT_A_REQUEST)).alias("parse_note"))
    if "vhost" in names:
        typed.append(pl.col("vhost").alias("host"))
    if "referer" in names:
        typed += [dash_is_na("referer"), dash_is_na("user_agent")]
    # The common tail is one space and the latency (in the file's unit, scaled later);
    # any other tail is kept, for _latency_and_extra.
    tail, number = pl.col("tail"), pl.col("_number")
    plain = (tail.str.starts_with(" ") & number.is_finite() & (number >= 0)).fill_null(False)
    other = ~plain & (tail != "")
    return (
        groups.with_columns(typed)
        .with_columns(latency_ms=pl.when(plain).then(number), tail=pl.when(other).then(tail))
        .drop("time", "request", "vhost", "_number", strict=False)
    )



_OPTIONAL = ("ident", "parse_note")  # kept only when some line of the block has one


def _frame(m: Matches, block: LineBlock, state: dict) -> pa.Table:
    """The rows of one line shape in one block, as Arrow (see
    :mod:`~postmortem_kit.ingest.lines.events` for why not polars)."""
    g = m.groups
    latency, extra, state["latency_unit"] = _latency_and_extra(
        g, state.get("latency_unit"), lambda i: block.series[int(m.positions[i])])
    table = g.to_arrow()
    table = table.set_column(table.column_names.index("latency_ms"), "latency_ms", latency)
    table = drop_empty(table.drop_columns(["tail"]), _OPTIONAL)
    if extra is not None:  # what follows the known fields, beyond a latency already parsed
        table = table.append_column("extra", extra)
    return table


def _latency_and_extra(
    g: pl.DataFrame, unit: str | None, line: Callable[[int], str]
) -> tuple[pa.Array, pa.Array | None, str | None]:
    """The latency in ms (see the module docstring), the text to keep as ``extra`` (None
    when no row has any) and the unit the latency was read in (decided once per file:
    ``None`` until a value is seen; ``line(i)`` gives the text of row ``i``).

    :func:`_derive` read the common tail, one space and a number, and kept the other
    tails (``rt=0.1``, ``"0.1" "0.09"``, ...): only they pay for a regex here.
    """
    latency = g.get_column("latency_ms")
    tail = g.get_column("tail")
    extra: pa.Array | None = None
    found: pl.Series | None = None  # the latency as written in the other tails
    rows: pl.Series | None = None  # the rows with such a tail
    if tail.null_count() < len(tail):
        rows = tail.is_not_null().arg_true()
        rest = tail.gather(rows)
        found = rest.str.extract(_LATENCY, 1)
        latency = latency.scatter(rows, found.cast(pl.Float64, strict=False))
        stripped = rest.str.strip_chars()
        only_number = stripped.str.strip_chars('"').str.contains(r"^\d+(?:\.\d+)?$")
        kept = pl.select(pl.when(~only_number & (stripped != "")).then(stripped)).to_series()
        if kept.null_count() < len(kept):
            extra = pl.Series("extra", [None] * len(tail), pl.String).scatter(
                rows, kept).to_arrow()
    if unit is None:
        seen = latency.is_not_null().arg_true().head(1)
        if not len(seen):
            return latency.to_arrow(), extra, None
        i = seen[0]
        if found is not None and rows is not None and tail[i] is not None:
            written = found[int(np.searchsorted(rows.to_numpy(), i))]
        else:
            written = line(i).rsplit(" ", 1)[-1]  # a plain tail ends the line
        # nginx's $request_time always has a decimal point; Apache's %D is whole microseconds
        unit = "s" if "." in written else "us"
    return pc.multiply(latency.to_arrow(), _UNIT_TO_MS[unit]), extra, unit
