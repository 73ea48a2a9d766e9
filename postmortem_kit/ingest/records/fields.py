"""Finding the schema's fields in structured records under their usual names.

Structured formats (JSONL, logfmt, CSV) name the same things differently: zap writes
``ts`` as epoch seconds, Bunyan ``time`` and a numeric ``level``, ECS ``@timestamp`` and
``log.level``, structlog ``event`` for the message. This module holds those spellings;
their times are parsed by :func:`postmortem_kit.ingest.times.parse_timestamps`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

import pandas as pd

from postmortem_kit.errors import IngestError
from postmortem_kit.ingest.schema import number_text

# Usual names of each schema field, most specific first; the schema name itself wins.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp", "@timestamp", "ts", "time", "datetime", "date", "t", "eventTime",
                  "asctime", "created_at"),
    "level": ("level", "severity", "log.level", "lvl", "loglevel", "log_level", "levelname",
              "severity_text"),
    "message": ("message", "msg", "@message", "event", "text", "log"),
    "service": ("service", "service.name", "app", "application", "logger", "logger_name",
                "component"),
    "host": ("host", "hostname", "host.name", "host.hostname"),
    "trace_id": ("trace_id", "trace.id", "traceId", "trace", "dd.trace_id"),
    "user": ("user", "user_id", "user.id", "userId", "usr.id", "user.name"),
    "status": ("status", "status_code", "http.status", "http.status_code",
               "http.response.status_code"),
    "latency_ms": ("latency_ms", "duration_ms", "elapsed_ms", "response_time_ms"),
    "method": ("method", "http.method", "http.request.method"),
    "path": ("path", "url.path", "http.path", "http.url"),
}

# Fields also found nested, when no record has them at the top level: the last segments of
# a dotted column name (``jsonPayload.message``, ``_source.@timestamp``, ``fields.level``)
# spell a usual name. The shallowest such column wins, then the usual names' order.
NESTED = ("timestamp", "message", "level", "service", "host")

# Labels (Prometheus series, Alertmanager alerts, Loki streams) that name the service and
# the host, most specific first.
SERVICE_LABELS = ("service", "app", "application", "app_kubernetes_io_name", "job", "container")
HOST_LABELS = ("host", "hostname", "instance", "node", "pod")

# Columns the events frame owns: a source field with one of these names is kept as
# ``<name>_raw`` so it cannot masquerade as provenance (a JSON ``"source": "main.go:12"``).
# Loaders rename these *before* adding their own ``timestamp`` and ``line``.
RESERVED = ("source", "kind", "line", "timestamp")

# Redis writes its level as a mark: . debug, - verbose, * notice, # warning.
LEVEL_MARKS = {".": "debug", "-": "debug", "*": "notice", "#": "warning"}

# Bunyan and pino write numeric levels.
BUNYAN_LEVELS = {10: "debug", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "critical"}


def resolve_fields(
    columns: Iterable[str], fields: Mapping[str, str], wanted: Iterable[str]
) -> dict[str, str]:
    """Pick the source column for each wanted schema field.

    Parameters
    ----------
    columns
        The columns the source has.
    fields
        Explicit choices (schema field -> source column), from ``read_events(fields=...)``.
    wanted
        Schema fields to look for.

    Returns
    -------
    dict
        schema field -> source column, only for the fields found.
    """
    present = list(columns)
    have = set(present)
    lower: dict[str, str] = {}
    for col in present:
        lower.setdefault(col.lower(), col)
    out: dict[str, str] = {}
    for name in wanted:
        if name in fields:
            if fields[name] in have:
                out[name] = fields[name]
            continue
        cands = CANDIDATES.get(name, (name,))
        # Exact spellings first, then any capitalisation (CSV headers say "Timestamp").
        found = next((c for c in cands if c in have and c not in out.values()), None)
        if found is None:
            found = next((lower[c.lower()] for c in cands if c.lower() in lower
                          and lower[c.lower()] not in out.values()), None)
        if found is None and name in NESTED:
            found = nested_field(present, cands, set(out.values()))
        if found is not None:
            out[name] = found
    return out


def nested_field(columns: Iterable[str], names: Iterable[str],
                 taken: Collection[str] = ()) -> str | None:
    """The dotted column whose last segments spell one of ``names`` (``jsonPayload.message``
    for ``message``): the shallowest, then the earliest of ``names``; None when none does.

    >>> nested_field(["jsonPayload.message", "labels.message.id"], ["msg", "message"])
    'jsonPayload.message'
    """
    best: tuple[int, int, str] | None = None
    cols = [c for c in columns if "." in c and c not in taken]
    for rank, cand in enumerate(names):
        suffix = "." + cand
        for col in cols:
            if col.endswith(suffix):
                key = (col.count("."), rank, col)
                if best is None or key < best:
                    best = key
    return None if best is None else best[2]


# The last word of a field name that says "a point in time" (``started_at``, ``eventTime``,
# ``logTimestamp``, ``created``), and words that make such a name a duration instead
# (nginx's ``request_time`` and ``upstream_response_time`` are seconds taken).
_TIME_WORDS = {"timestamp", "datetime", "date", "time", "ts", "at", "instant", "millis",
               "epoch", "created", "logged", "stamp", "when", "received", "emitted"}
_DURATION_WORDS = {"duration", "elapsed", "latency", "response", "request", "upstream", "took",
                   "taken", "spent", "timeout", "uptime", "runtime", "processing", "connect",
                   "wait", "cpu", "ttl", "total", "queue", "header", "first", "last", "max",
                   "min", "avg", "mean"}
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def time_like_fields(columns: Iterable[str]) -> list[str]:
    """Columns whose name says they hold a point in time, for records that spell their time
    in no usual way: shallowest first, then in the records' order.

    >>> time_like_fields(["msg", "request_time", "meta.createdAt", "started_at"])
    ['started_at', 'meta.createdAt']
    """
    found = []
    for position, col in enumerate(columns):
        words = [w.lower() for w in _WORD.findall(col.rsplit(".", 1)[-1])]
        if (words and words[-1] in _TIME_WORDS
                and not _DURATION_WORDS.intersection(w.lower() for w in _WORD.findall(col))):
            found.append((col.count("."), position, col))
    return [col for *_, col in sorted(found)]


def epoch_pairs(columns: Iterable[str]) -> list[tuple[str, str, str]]:
    """``(prefix, seconds column, nanoseconds column)`` for each time written as two numbers,
    as log4j2's JSON layouts do (``instant.epochSecond`` + ``instant.nanoOfSecond``)."""
    have = {c.lower(): c for c in columns}
    pairs = []
    for low, col in have.items():
        if low.endswith("epochsecond"):
            prefix = col[: -len("epochSecond")]
            nanos = have.get(low[: -len("epochsecond")] + "nanoofsecond")
            if nanos is not None:
                pairs.append((prefix.rstrip(".") or "time", col, nanos))
    return pairs


def first_present(df: pd.DataFrame, names: Iterable[str]) -> pd.Series | None:
    """Per row, as text, the value of the first of the columns ``names`` that has one
    there (journald's unit, else its identifier); None when ``df`` has none of them."""
    found: pd.Series | None = None
    for name in names:
        if name in df:
            values = df[name].astype("str")
            found = values if found is None else found.fillna(values)
    return found


def check_fields_exist(fields: Mapping[str, str], columns: Iterable[str], file: str) -> None:
    """Raise IngestError when ``fields=`` names a column the file does not have."""
    have = set(columns)
    missing = {k: v for k, v in fields.items() if v not in have}
    if missing:
        shown = ", ".join(sorted(have))[:400]
        raise IngestError(
            f"fields= names columns the file does not have: {missing}; it has: {shown}",
            file=file,
        )


def apply_fields(df: pd.DataFrame, fields: Mapping[str, str]) -> pd.DataFrame:
    """Rename the chosen source columns to the schema names.

    A source column that already has a schema name but was not chosen for it (``message``
    when ``fields={"message": "text"}``) is kept as ``<name>_raw``. Numeric levels are
    mapped (Bunyan 30 -> info) and services made text.
    """
    fields = dict(fields)
    status = fields.get("status")
    renames: dict[str, str] = {}
    if status is not None and not _numeric(df[status]):
        # Datadog's "Status" is a log level, not an HTTP code: the schema's Int16 status
        # would turn "error" into NA. Keep such a column under its own name.
        del fields["status"]
        if status == "status":
            renames["status"] = "status_raw"
    chosen = set(fields.values())
    for col in df.columns:
        if col not in chosen and (col in fields or col in ("source", "kind")):
            renames[col] = f"{col}_raw"
    renames.update({src: dst for dst, src in fields.items() if src != dst})
    df = df.rename(columns=renames)
    if "level" in df and pd.api.types.is_numeric_dtype(df["level"].dtype):
        df["level"] = numeric_levels(df["level"])
    if "service" in df and not pd.api.types.is_string_dtype(df["service"].dtype):
        df["service"] = df["service"].astype("str").where(df["service"].notna())
    return df


def _numeric(values: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return True
    present = values.dropna()
    return bool(pd.to_numeric(present, errors="coerce").notna().all())


def numeric_levels(values: pd.Series) -> pd.Series:
    """Bunyan / pino levels (10..60) to names; anything else stays as text (syslog 0..7),
    written as the number was (``3``, ``3.5``)."""
    vals = values.dropna()
    if len(vals) and vals.isin(list(BUNYAN_LEVELS)).all():
        return values.map(BUNYAN_LEVELS).astype("str")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = [number_text(u) for u in uniques]
    return pd.Series(pd.array([*names, None], dtype="str")[codes], index=values.index,
                     name=values.name)
