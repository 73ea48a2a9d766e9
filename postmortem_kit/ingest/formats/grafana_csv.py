"""Grafana's panel CSV export ("Inspect > Data > Download CSV"), any of its layouts.

- series joined by time (Grafana 7 and later, the default): ``Time`` then one column per
  series, headed by the series name (``error_ratio``, ``{code="500", job="shop"}``);
- series as rows (Grafana 6 and earlier): ``Series;Time;Value``.

Times are epoch milliseconds, or date-times as Grafana formats them (read in ``tz=``
unless they carry an offset). Each value becomes a ``metric`` row: ``metric`` is the
series' name (a name like ``http_requests{code="500"}`` is split into the name and
``labels.code``; a bare ``Value`` column is named after the file), ``value`` the number.
A value Grafana formatted with its unit (``2.5%``, ``850 ms``, ``1.2 s``) is read back
in the base unit (a ratio; seconds). Rows whose time or value cannot be read are rejected
with their line number.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.times import parse_timestamps

_SERIES = re.compile(r'^(?P<name>[A-Za-z_:][\w:]*)?\s*\{(?P<labels>.*)\}$')
_LABEL = re.compile(r'([A-Za-z_]\w*)\s*=\s*"((?:[^"\\]|\\.)*)"')
_UNITS = {"%": 0.01, "ms": 0.001, "µs": 1e-6, "us": 1e-6, "s": 1.0, "min": 60.0}
_NUMBER = re.compile(r"^\s*(?P<n>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
                     r"(?P<u>%|ms|µs|us|s|min)?\s*$")


def _header(head: str) -> tuple[list[str], str] | None:
    lines = [ln for ln in head.lstrip("\ufeff").splitlines() if ln.strip()]
    if len(lines) < 2:
        return None
    first = lines[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    fields = next(csv.reader([first], delimiter=delimiter))
    return [f.strip() for f in fields], delimiter


def sniff(path: Path, head: str) -> float:
    """0.85 for a CSV whose header is ``Time`` plus series, or ``Series;Time;Value``, and
    whose first row has a time and numbers (above the generic csv format's 0.7)."""
    found = _header(head)
    if found is None:
        return 0.0
    fields, delimiter = found
    lower = [f.lower() for f in fields]
    if "time" not in lower or len(fields) < 2:
        return 0.0
    rows = list(csv.reader(head.lstrip("\ufeff").splitlines()[1:3], delimiter=delimiter))
    if not rows or len(rows[0]) != len(fields):
        return 0.0
    row = dict(zip(lower, rows[0], strict=True))
    values = [v for k, v in row.items() if k not in ("time", "series")]
    if not values or not all(v.strip() == "" or _NUMBER.match(v) for v in values):
        return 0.0
    if lower[:1] == ["time"] or lower == ["series", "time", "value"]:
        return 0.85
    return 0.0


def _times(text: pd.Series, tz: str) -> pd.Series:
    """Epoch numbers (unit by magnitude) or date-time text, as UTC; NaT where unreadable."""
    parsed = parse_timestamps(pa.array(text.astype("str").str.strip(), from_pandas=True), tz)
    return pd.Series(parsed.to_pandas(), index=text.index, dtype="datetime64[us, UTC]")


def _value(text: str) -> float | None:
    match = _NUMBER.match(text)
    if match is None:
        return None
    return float(match["n"]) * _UNITS.get(match["u"] or "", 1.0)


def _series_name(header: str, fallback: str) -> tuple[str, dict[str, str]]:
    match = _SERIES.match(header.strip())
    if match is None:
        return (fallback if header.strip().lower() == "value" else header.strip()), {}
    labels = {k: v.replace('\\"', '"') for k, v in _LABEL.findall(match["labels"])}
    return match["name"] or labels.pop("__name__", fallback), labels


@register("grafana-csv", sniff=sniff, kind="metric")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Load a Grafana panel CSV export from ``path`` (see the module docstring).

    Examples
    --------
    >>> events = read_events("grafana_data_export.csv", tz="Europe/Berlin")  # doctest: +SKIP
    """
    text = path.read_bytes().decode("utf-8").lstrip("\ufeff")
    found = _header(text[:65536])
    if found is None:
        return pd.DataFrame({"timestamp": [], "message": []})
    fields, delimiter = found
    table = pd.read_csv(io.StringIO(text), sep=delimiter, dtype="str", keep_default_na=False)
    table.columns = fields
    lower = {f.lower(): f for f in fields}
    lines = pd.Series(np.arange(2, len(table) + 2), index=table.index)
    if "series" in lower and "value" in lower:
        long = pd.DataFrame({"series": table[lower["series"]], "time": table[lower["time"]],
                             "value": table[lower["value"]], "line": lines})
    else:
        columns = [f for f in fields if f != lower["time"]]
        long = pd.concat([pd.DataFrame({"series": c, "time": table[lower["time"]],
                                        "value": table[c], "line": lines}) for c in columns],
                         ignore_index=True)
    long = long[long["value"].str.strip() != ""]  # a series without a point at that time
    times = _times(long["time"], ctx.tz)
    values = long["value"].map(_value)
    bad = times.isna() | values.isna()
    for line, when, value, no_time in zip(long["line"][bad], long["time"][bad],
                                          long["value"][bad], times[bad].isna(), strict=True):
        problem = f"time {when!r} is not a time" if no_time else \
            f"value {value!r} is not a number"
        ctx.rejects.add(str(path), int(line), problem, f"{when}{delimiter}{value}")
    long, times, values = long[~bad], times[~bad], values[~bad]
    rows = []
    for series, part in long.groupby("series", sort=False):
        name, labels = _series_name(str(series), ctx.source)
        frame = pd.DataFrame({"timestamp": times[part.index], "metric": name,
                              "value": values[part.index].astype("float64"),
                              "line": part["line"].astype("Int64")})
        frame["message"] = name + " " + frame["value"].map(lambda v: f"{v:.6g}")
        for key, value in labels.items():
            frame[f"labels.{key}"] = value
        rows.append(frame)
    if not rows:
        return pd.DataFrame({"timestamp": [], "message": []})
    return pd.concat(rows, ignore_index=True).sort_values(["timestamp", "line"],
                                                          kind="stable", ignore_index=True)
