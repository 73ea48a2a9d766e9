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


_APPROX = re.compile(r"^(?:~|≈|about|approx(?:\.|imately)?|around|roughly|circa|ca\.|some)\s*",
                     re.IGNORECASE)
_DURATION_PART = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|"
    r"secs?|s)(?![a-z])\s*(?:,|and\b|&)?\s*", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_CLOCK_DURATION = re.compile(r"(\d{1,3}):([0-5]\d)(?::([0-5]\d))?")
_ISO_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", re.IGNORECASE)


def parse_duration(text: str) -> dt.timedelta:
    """Read a duration as people write it: ``1 hour 25 minutes``, ``~2h``, ``45 mins``,
    ``1h25m``, ``1.5 hours``, ``2 days, 3 hours``, ``01:25`` (hours and minutes),
    ``PT1H25M``. A leading ``~``/``about``/``approximately`` is read as the value.

    Raises ValueError saying what was expected.

    Examples
    --------
    >>> [str(parse_duration(t)) for t in ("1 hour 25 minutes", "~2h", "45 mins")]
    ['1:25:00', '2:00:00', '0:45:00']
    """
    value = _APPROX.sub("", text.strip()).rstrip(". ")
    clock = _CLOCK_DURATION.fullmatch(value)
    if clock:
        return dt.timedelta(hours=int(clock[1]), minutes=int(clock[2]),
                            seconds=int(clock[3] or 0))
    iso = _ISO_DURATION.fullmatch(value)
    if iso and any(iso.groups()):
        days, hours, minutes, seconds = (int(g or 0) for g in iso.groups())
        return dt.timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    total = 0.0
    pos = 0
    while pos < len(value):
        part = _DURATION_PART.match(value, pos)
        if not part or part.end() == pos:
            break
        unit = part[2].lower()
        unit = "m" if unit.startswith("mi") else unit[0]
        total += float(part[1].replace(",", ".")) * _UNIT_SECONDS[unit]
        pos = part.end()
    if pos == 0 or pos < len(value):
        raise ValueError(f"expected a duration like 45 minutes, 1h 25m or 01:25, got {text!r}")
    return dt.timedelta(seconds=round(total))
