"""``syslog``: RFC 3164 (BSD) and RFC 5424 syslog files.

RFC 3164, as syslogd and rsyslog write it to files::

    <34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8
    Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; ...
    2024-05-01T10:00:00.123456+02:00 web-1 nginx[88]: ...   (rsyslog's precise format)

The ``<PRI>`` is optional, the host and the ``program[pid]:`` tag too. A BSD timestamp
has no year: ``year=`` gives it, else it is inferred (see
:mod:`postmortem_kit.ingest.lines.timeparts`: the file's modification date, with the December
to January rollover handled within the file).

RFC 5424::

    <165>1 2003-10-11T22:14:15.003Z host app 1234 ID47 [exampleSDID@32473 iut="3"] msg

``-`` (NILVALUE) fields are NA; the structured data is kept verbatim in
``structured_data`` and its parameters as ``SD-ID.PARAM`` columns. Columns: ``host``,
``service`` (program / APP-NAME), ``pid``, ``level`` (from the PRI severity, when there
is a PRI), ``facility``, and for RFC 5424 ``msgid``. A structured-data parameter under a
usual field name (``level``/``severity``, ``user``, ``trace_id``, ``status``...) fills that
column where the line has none: an application that logs through a file template without
``<PRI>`` carries its level only there. Lines neither grammar matches are
rejected with their line number.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from postmortem_kit.ingest.lines.events import load_matched
from postmortem_kit.ingest.lines.match import Matches, dash_is_na, match_first
from postmortem_kit.ingest.lines.timeparts import (
    MONTH_NAMES,
    MONTH_RX,
    YearState,
    file_year_guess,
    infer_years,
    parse_runs,
)
from postmortem_kit.ingest.records.fields import CANDIDATES
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.schema import LEVEL_DTYPE, LEVELS, normalize_levels
from postmortem_kit.ingest.times import OFFSET, localize

# The timestamp is captured whole (fewer groups: a faster regex) and parsed by polars.
_BSD_TIME = r"(?P<ts>" + MONTH_RX + r" +\d\d? \d\d:\d\d:\d\d(?:\.\d{1,6})?(?: \d{4})?)"
_ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?" + OFFSET
# host, then an optional ``program[pid]:`` tag. A program name may carry a version after a
# space (``syslogd 1.4.1: restart.``), which old sysklogd writes.
_TAIL_3164 = (
    r"\s+(?:(?P<host>[^\s:\[\]]+)\s+)?"
    r"(?:(?P<service>[^\s:\[\]]+(?: \d[\w.]*)?)(?:\[(?P<pid>[^\]\s]*)\])?:(?: |$))?"
    r"(?P<message>.*)$"
)
_PRI = r"^(?:<(?P<pri>\d{1,3})>)?"
RFC3164 = _PRI + _BSD_TIME + _TAIL_3164
RFC3164_ISO = _PRI + r"(?P<ts>" + _ISO + r")" + _TAIL_3164
_SD_ELEMENT = r'\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\]'
RFC5424 = (
    # A file written by a template of rsyslog or syslog-ng may leave out "<PRI>VERSION "
    r"^(?:<(?P<pri>\d{1,3})>(?P<version>\d{1,2}) )?(?P<ts>-|" + _ISO + r") (?P<host>\S+) "
    r"(?P<service>\S+) (?P<pid>\S+) (?P<msgid>\S+) "
    # ``message`` always takes part in a match (possibly empty), which marks matched rows
    r"(?P<structured_data>-|(?:" + _SD_ELEMENT + r")+)(?P<message>(?: .*)?)$"
)
# The common case, ``Mmm dd hh:mm:ss host prog[pid]: msg``, as a regex without optional
# parts that overlap: the regex engine runs it in one pass, about a fifth faster than
# RFC3164. Lines it does not fit (no host, no tag, a year, ...) fall through to RFC3164,
# which gives the same fields for every line both fit.
RFC3164_FAST = (
    r"^(?:<(?P<pri>[0-9]{1,3})>)?(?P<ts>" + MONTH_RX
    + r" [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9](?:\.[0-9]{1,6})?) "
    r"(?P<host>[^ :\[\]]+) (?P<service>[^ :\[\]]+)(?:\[(?P<pid>[^\] ]*)\])?: (?P<message>.*)$"
)
# RFC 5424 before the ISO-dated 3164: its stricter grammar, when it fits, gives more fields
PATTERNS = (RFC3164, RFC5424, RFC3164_ISO)
_MONTH_NUMBER = {name: i + 1 for i, name in enumerate(MONTH_NAMES)}
_BSD_FORMAT = "%Y %b %e %H:%M:%S%.f"

SEVERITIES = ("critical", "critical", "critical", "error", "warning", "notice", "info", "debug")
FACILITIES = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
    "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)
MAX_SD_COLUMNS = 50
_SD_RX = re.compile(r'\[([^\s\]=]+)((?:\s+[^\s=\]]+="(?:[^"\\]|\\.)*")*)\s*\]')
_SD_PARAM_RX = re.compile(r'([^\s=\]]+)="((?:[^"\\]|\\.)*)"')
_SD_UNESCAPE = re.compile(r'\\(["\\\]])')  # RFC 5424 escapes ", \ and ] in values
_SEVERITY_CODES = np.array([LEVELS.index(name) for name in SEVERITIES], dtype=np.int8)
FACILITY_DTYPE = pd.CategoricalDtype(list(FACILITIES))


def sniff(path: Path, head: str) -> float:
    """Share of the first lines that are syslog with a ``<PRI>`` or a ``program:`` tag."""
    lines = [ln for ln in head.splitlines()[:200] if ln.strip()]
    if not lines:
        return 0.0
    matches, _ = match_first(pl.Series(lines, dtype=pl.String), list(PATTERNS), key="message")
    tagged = 0
    for m in matches:
        has_tag = pl.col("service").is_not_null() | pl.col("pri").is_not_null()
        tagged += m.groups.select(has_tag.sum()).item()
    # Plain timestamped app logs also fit the loose 3164 grammar: a tag or PRI is the tell.
    return round(0.9 * tagged / len(lines), 3)


@register("syslog", sniff=sniff, kind="log", times_checked=True)
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load an RFC 3164 / RFC 5424 syslog file; see the module docstring.

    Examples
    --------
    >>> from postmortem_kit.ingest.rejects import RejectLog
    >>> ctx = LoadContext(source="messages", rejects=RejectLog(), year=2024)
    >>> frame = load(Path("/var/log/messages"), ctx)  # doctest: +SKIP
    """
    years = YearState()
    frame = load_matched(
        path, ctx, choose=_patterns, key="message", derive=_derive,
        frame=lambda m, block, rx: _frame(m, rx, ctx, years, path),
        categories={"level": LEVEL_DTYPE, "facility": FACILITY_DTYPE},
        unmatched="not an RFC 3164 or RFC 5424 syslog line",
        bad_time="syslog line without a valid timestamp (NILVALUE or impossible date)",
    )
    return _fill_from_params(frame)


# the schema's columns a structured-data parameter may fill, under its usual names
_PARAM_FIELDS = ("level", "user", "trace_id", "status", "latency_ms", "method", "path")


def _fill_from_params(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill NA values of the schema's columns from ``SD-ID.PARAM`` columns whose
    ``PARAM`` is a usual name of that column (in the order the file first writes them).

    Examples
    --------
    >>> f = pd.DataFrame({"message": ["x", "y"], "a@1.severity": ["ERR", None],
    ...                   "a@1.level": [None, "info"]})
    >>> _fill_from_params(f)["level"].tolist()
    ['error', 'info']
    """
    params = [c for c in frame.columns if "." in c]  # SD-ID.PARAM: no other column has a dot
    for field in _PARAM_FIELDS:
        names = {n.lower() for n in CANDIDATES[field]}
        for column in [c for c in params if c.split(".", 1)[1].lower() in names]:
            values = frame[column]
            if field == "level":
                values = normalize_levels(values)
            if field not in frame:
                frame[field] = values
                continue
            current = frame[field]
            if current.isna().any():
                frame[field] = current.where(current.notna(), values.astype(current.dtype))
    return frame


def _patterns(lines: pl.Series) -> list[str]:
    """The grammars, the most common in the file's first lines first (RFC 3164's fast
    path just before RFC 3164)."""
    counts = [lines.str.contains(rx).sum() for rx in PATTERNS]
    ordered = [PATTERNS[i] for i in sorted(range(len(PATTERNS)), key=lambda i: -counts[i])]
    at = ordered.index(RFC3164)
    return [*ordered[:at], RFC3164_FAST, *ordered[at:]]


def _bsd_times(ts: pl.Series, ctx: LoadContext, years: YearState, path: Path) -> pl.Series:
    """``Jun  4 15:16:01[.123][ 2024]`` as UTC; the year from the line, else inferred."""
    if years.base_year is None:  # the first line of the file fixes the base year
        first = ts[0]
        years.base_year = ctx.year if ctx.year is not None else file_year_guess(
            path, _MONTH_NUMBER.get(first[:3].lower(), 0), int(first[4:6]))
    # Fast path: the whole block in the current year (no rollover, no year in the line),
    # in one query.
    year = years.base_year + years.offset
    zone = "UTC" if ctx.tz == "UTC" else None  # (UTC: no conversion afterwards)
    parse = (pl.lit(f"{year} ") + pl.col("ts")).str.strptime(
        pl.Datetime("us", zone), _BSD_FORMAT, strict=False)
    local, month_column = pl.DataFrame({"ts": ts}).select(
        parse.alias("local"), parse.dt.month().fill_null(0).alias("month")).get_columns()
    months = month_column.to_numpy()
    prev = np.concatenate([[years.last_month or months[0]], months[:-1]])
    if months.all() and not (np.abs(months.astype(np.int64) - prev) > 6).any():
        years.last_month = int(months[-1])
    else:  # a rollover, a year in the line or an impossible date: row by row years
        has_year = ts.str.contains(r" \d{4}$")
        months = (ts.str.head(3).str.to_lowercase()
                  .replace_strict(_MONTH_NUMBER, default=0, return_dtype=pl.Int64).to_numpy())
        days = ts.str.slice(4, 2).str.strip_chars().cast(pl.Int64, strict=False).fill_null(0)
        inferred = infer_years(months, days.to_numpy(), ctx.year, years, path)
        text = pl.DataFrame({"ts": ts, "has_year": has_year, "year": inferred}).select(
            pl.when(pl.col("has_year"))
            .then(pl.concat_str([pl.col("ts").str.slice(-4), pl.col("ts").str.head(-5)],
                                separator=" "))
            .otherwise(pl.concat_str([pl.col("year").cast(pl.String), pl.col("ts")],
                                     separator=" "))
        ).to_series()
        local = text.str.strptime(pl.Datetime("us", zone), _BSD_FORMAT, strict=False)
    if zone == "UTC":
        return local
    utc = local.dt.replace_time_zone(ctx.tz, ambiguous="earliest", non_existent="null"
                                     ).dt.convert_time_zone("UTC")
    skipped = utc.is_null() & local.is_not_null()
    if skipped.any():  # a wall time the clocks skipped: polars cannot shift it, pandas can
        fixed = localize(local.filter(skipped).to_pandas(), ctx.tz)
        utc = utc.scatter(skipped.arg_true(), pl.from_pandas(fixed))
    return utc


def _derive(rx: str, groups: pl.LazyFrame) -> pl.LazyFrame:
    """The columns of one grammar that need nothing from earlier lines, from its groups
    (computed while the file is streamed, on all cores). BSD timestamps have no year:
    :func:`_bsd_times` reads them, in file order."""
    if rx is RFC3164 or rx is RFC3164_FAST:
        return groups
    out = [pl.col("ts").str.to_datetime(  # RFC 5424 and rsyslog's precise format
        "%Y-%m-%dT%H:%M:%S%.f%#z", time_unit="us", time_zone="UTC", strict=False
    ).alias("timestamp")]
    if rx is RFC5424:  # an absent field is "-"; the message follows a space (and a BOM)
        out += [dash_is_na(c) for c in ("host", "service", "pid", "msgid", "structured_data")]
        out.append(pl.col("message").str.strip_prefix(" ").str.strip_prefix("\ufeff"))
    return groups.with_columns(out)



_HELPERS = ("pri", "ts", "version")


def _frame(m: Matches, rx: str, ctx: LoadContext, years: YearState, path: Path) -> pa.Table:
    """The rows of one grammar in one block, as Arrow (see
    :mod:`~postmortem_kit.ingest.lines.events` for why not polars)."""
    g = m.groups
    # a frame from its columns (no query, which would wait for polars' busy threads)
    table = pl.DataFrame([c for c in g.get_columns() if c.name not in _HELPERS]).to_arrow()
    if "timestamp" not in table.column_names:
        times = parse_runs(g.get_column("ts"), lambda s: _bsd_times(s, ctx, years, path))
        table = table.append_column("timestamp", times.to_arrow())
    pri = g.get_column("pri")
    if pri.null_count() < len(pri):
        codes = pri.cast(pl.Int16, strict=False).fill_null(-1).to_numpy()
        valid = (codes >= 0) & (codes < 192)
        table = table.append_column("level", pa.array(
            _SEVERITY_CODES[codes % 8], pa.int8(), mask=~valid))
        table = table.append_column("facility", pa.array(codes // 8, pa.int8(), mask=~valid))
    if rx is RFC5424:
        params = _sd_params(g.get_column("structured_data"))
        for name, values in params.items():
            if name not in table.column_names:
                table = table.append_column(name, pa.array(values, pa.large_string()))
    return table


def _sd_params(sd: pl.Series) -> dict[str, list[str | None]]:
    """RFC 5424 structured data as ``SD-ID.PARAM`` columns (``exampleSDID@32473.iut``).

    At most :data:`MAX_SD_COLUMNS` distinct names: beyond that the data is too varied to
    be columns, and ``structured_data`` keeps it all anyway.
    """
    columns: dict[str, list[str | None]] = {}
    for row, text in enumerate(sd.to_list()):
        if text is None:
            continue
        for sd_id, params in _SD_RX.findall(text):
            for key, value in _SD_PARAM_RX.findall(params):
                name = f"{sd_id}.{key}"
                if name not in columns:
                    if len(columns) >= MAX_SD_COLUMNS:
                        return {}
                    columns[name] = [None] * len(sd)
                columns[name][row] = _SD_UNESCAPE.sub(r"\1", value)
    return columns
