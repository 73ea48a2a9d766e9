"""Writing and reading the document's dates, times and durations as people write them."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

_TIME = re.compile(
    r"""^(?:(?P<date>\d{4}-\d{2}-\d{2})[T\s]+)?
        (?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,6}))?)?
        \s*(?P<tz>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$""",
    re.VERBOSE | re.IGNORECASE,
)
_DATE_FORMATS = ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y",
                 "%b %d %Y", "%Y/%m/%d", "%A, %B %d, %Y", "%a, %b %d, %Y")


def format_date(value: dt.date) -> str:
    return value.isoformat()


def parse_date(text: str) -> dt.date:
    """Read a calendar date: ``2026-03-14`` or spelled out (``14 March 2026``, ``Mar 14, 2026``).

    Raises ValueError saying what was expected.
    """
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"expected a date like 2026-03-14, got {text!r}")


def zone_suffix(value: dt.datetime) -> str:
    """``UTC`` for UTC, else the offset (``+01:00``): unambiguous, unlike ``CET``/``IST``."""
    offset = value.utcoffset()
    if not offset:
        return "UTC"
    return value.strftime("%z")[:3] + ":" + value.strftime("%z")[3:]


def format_time(value: dt.datetime, zone: ZoneInfo, *, day: dt.date | None,
                with_zone: bool, subsecond: bool = True) -> str:
    """Write ``value`` in ``zone``: just the time of day when it falls on ``day``.

    Seconds and fractions are written only when present (``14:05``, ``14:05:30``,
    ``14:05:30.412``), so the usual case reads cleanly and nothing is rounded away;
    ``subsecond=False`` drops the fraction, for pages that are read, never parsed.
    """
    local = value.astimezone(zone)
    clock = local.strftime("%H:%M")
    fraction = local.microsecond if subsecond else 0
    if local.second or fraction:
        clock += local.strftime(":%S")
    if fraction:
        clock += f".{fraction:06d}".rstrip("0")
    text = clock if day == local.date() else f"{local.date().isoformat()} {clock}"
    if not subsecond:
        return f"{text} {zone_suffix(local)}" if with_zone else text
    if with_zone or parse_time(text, zone, day=day) != value:
        # In the hour a DST change repeats, the wall clock alone is ambiguous: add the offset.
        return f"{text} {zone_suffix(local)}"
    return text


def parse_time(text: str, zone: ZoneInfo, *, day: dt.date | None) -> dt.datetime:
    """Read a time as people write it; the result is aware, in UTC.

    Accepts full ISO date-times, ``2026-03-14 14:05``, or a time of day (``14:05``,
    ``14:05:30``) that takes its date from ``day``; a trailing ``UTC``/``Z`` or an offset
    wins over ``zone``. Raises ValueError saying what was expected.
    """
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"expected a time like 14:05 or 2026-03-14 14:05 UTC, got {text!r}")
    if match["date"]:
        day = dt.date.fromisoformat(match["date"])
    elif day is None:
        raise ValueError(f"{text!r} is a time of day, but the document has no Date line to "
                         "take its date from: write it as 2026-03-14 14:05")
    hour, minute = int(match["h"]), int(match["m"])
    second = int(match["s"] or 0)
    micro = int((match["f"] or "0").ljust(6, "0"))
    naive = dt.datetime(day.year, day.month, day.day, hour, minute, second, micro)
    tz = match["tz"]
    if tz is None:
        tzinfo: dt.tzinfo = zone
    elif tz.upper() in ("Z", "UTC", "GMT"):
        tzinfo = dt.UTC
    else:
        digits = tz[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        delta = dt.timedelta(hours=hours, minutes=minutes)
        tzinfo = dt.timezone(delta if tz[0] == "+" else -delta)
    return naive.replace(tzinfo=tzinfo).astimezone(dt.UTC)


def format_duration(value: dt.timedelta) -> str:
    """``2h 38m``, ``45m``, ``1d 2h``, ``40s``; negative durations keep their sign."""
    seconds = int(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    if secs and not days:
        parts.append(f"{secs}s")
    return sign + (" ".join(parts) or "0m")
