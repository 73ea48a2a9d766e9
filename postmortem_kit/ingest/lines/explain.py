"""What was inferred about a text log's layout, for ``events.attrs["layouts"]`` and
``postmortem ingest --explain``.

A report is a plain dict (it travels in ``DataFrame.attrs``): the format, the readable
pattern and the regex, where the zone and the year came from, and the first records as
parsed. :func:`render` writes it for a terminal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from postmortem_kit.ingest.lines.layout import Layout
from postmortem_kit.ingest.lines.timeparts import YearState

SAMPLES = 3
_SAMPLE_COLUMNS = ("line", "timestamp", "level", "service", "message")


def assumed_dates(years: YearState, year: int | None) -> str | None:
    """What a year-less (or date-less) layout's dates were taken from; None when the lines
    carry their dates."""
    if years.base_day is not None:
        first = dt.date(1970, 1, 1) + dt.timedelta(days=years.base_day)
        last = first + dt.timedelta(days=years.day_offset)
        span = f"{first}" if first == last else f"{first} to {last}"
        return (f"the lines carry no date: {span} assumed from the file's modification time "
                "(a day added where the clock goes back)")
    if years.base_year is None:
        return None
    span = f"{years.base_year}" if not years.offset else (
        f"{years.base_year} to {years.base_year + years.offset}")
    if year is not None:
        return f"the lines carry no year: {span} (year={year})"
    return (f"the lines carry no year: {span} assumed from the file's modification time; "
            "pass year= to say")


def layout_report(layout: Layout, *, tz: str, zone_in_lines: bool, dates: str | None,
             frame: pd.DataFrame) -> dict[str, Any]:
    """The report of one file loaded with an inferred ``layout`` (``frame``: its records)."""
    return {
        "format": "text",
        "pattern": layout.pattern,
        "timestamp": layout.timestamp,
        "prefix": layout.prefix,
        "header": layout.header,
        "multiplex": layout.multiplex,
        "regex": layout.line_rx,
        "zone": ("from each line (offset or zone name), else tz=" + tz) if zone_in_lines
        else f"none in the lines: read in tz={tz}",
        "year": dates or "in each line",
        "samples": samples(frame),
    }


def samples(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The first records of ``frame``, each as its non-missing fields."""
    out = []
    for _, row in frame.head(SAMPLES).iterrows():
        out.append({c: _plain(row[c]) for c in (*_SAMPLE_COLUMNS, *_extra(frame))
                    if c in frame and not _missing(row[c])})
    return out


def _extra(frame: pd.DataFrame) -> list[str]:
    skip = {*_SAMPLE_COLUMNS, "source", "kind"}
    return [c for c in frame.columns if c not in skip]


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def render(name: str, report: dict[str, Any]) -> str:
    """``report`` (from ``events.attrs["layouts"]``) as lines for a terminal."""
    out = [f"{name}", f"  format    {report.get('format', '?')}"]
    for key in ("pattern", "zone", "year", "regex"):
        if report.get(key):
            out.append(f"  {key:<9} {report[key]}")
    for i, text in enumerate(report.get("file_header", [])):
        out.append(f"  {'header' if i == 0 else '':<9} {text}")
    if report.get("titles"):
        out.append("  columns   " + ", ".join(f"{t}={c}" for t, c in report["titles"].items()))
    for program, text in report.get("undated", {}).items():
        out.append(f"  undated   {program}: {text}")
    for i, sample in enumerate(report.get("samples", []), 1):
        fields = ", ".join(f"{k}={_short(v)}" for k, v in sample.items())
        out.append(f"  sample {i}  {fields}")
    return "\n".join(out)


def _short(value: Any, width: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= width else text[: width - 3] + "..."
