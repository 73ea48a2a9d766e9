"""Option values of every verb, checked when the command line is parsed.

Each function here is an argparse ``type=``: it returns the value the verb uses or raises
:class:`argparse.ArgumentTypeError`, which argparse prints as one ``error:`` line (after the
usage line) and exits 2 on. Checks that need two values at once (a window's start before
its end) are :func:`check_window`, raising :class:`~postmortem_kit.errors.UsageError`.
"""

from __future__ import annotations

import argparse
import math
import warnings
from pathlib import Path
from typing import Any

# Syslog's RFC 3164 lines carry no year; a year outside this range is a typo, and pandas
# cannot hold times past 2262 anyway.
YEARS = (1970, 2200)
# Error-ratio bins: under a second nothing is counted per bin, and over a day the incident
# is one bin; a freq of 1 ns over a day of evidence would ask for 86 trillion bins.
FREQ_RANGE = ("1s", "1D")


def path(value: str) -> Path:
    """A file or folder name as given (existence is the verb's business)."""
    if not value:
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    if "\0" in value:
        raise argparse.ArgumentTypeError("a path cannot contain a NUL byte")
    return Path(value)


def input_name(value: str) -> str:
    """An input as the ingest reader takes it: a file, folder, glob or ``-``."""
    try:
        path(value).expanduser()  # the reader expands ~ and ~user
    except RuntimeError:
        raise argparse.ArgumentTypeError(
            f"{value!r}: no such user's home folder (for a file whose name starts with "
            "~, give its full path)") from None
    return value


def day(value: str) -> Any:
    """A calendar date: ``2026-03-14``."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2026-03-14, got {value!r}"
                                         ) from None


def time_zone(value: str) -> str:
    """An IANA zone name (``Europe/Paris``), ``UTC`` or a fixed offset (``+02:00``)."""
    import pandas as pd

    if not value.strip():
        raise argparse.ArgumentTypeError("expected a time zone such as UTC or Europe/Paris, "
                                         "got an empty string")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pd.Timestamp("2000-01-01").tz_localize(value)
    except Exception:  # zoneinfo, pytz and dateutil each fail in their own way
        raise argparse.ArgumentTypeError(
            f"unknown time zone {value!r}: expected an IANA name such as UTC or "
            "Europe/Paris, or an offset such as +02:00") from None
    return value


def frequency(value: str) -> str:
    """A bin width such as ``30s``, ``1min``, ``5min``, ``1h``: between 1 s and 1 day."""
    import pandas as pd

    low, high = (pd.Timedelta(v) for v in FREQ_RANGE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            width = pd.Timedelta(value)
    except Exception:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a duration: expected e.g. 30s, 1min, 5min, 1h") from None
    if width is pd.NaT or not low <= width <= high:
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected a duration from 1s to 1D (e.g. 30s, 1min, 5min, 1h)")
    return value


def timestamp(value: str) -> Any:
    """A time pandas can read (``2024-05-01T10:00Z``, ``2024-05-01 10:00``); naive times
    are read in the verb's ``--tz``."""
    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ts = pd.Timestamp(value)
    except Exception:
        ts = None
    if not isinstance(ts, pd.Timestamp):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a time: expected e.g. 2024-05-01T10:00:00Z") from None
    return ts


def non_negative(value: str) -> float:
    """A finite number, zero or more."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"{value!r}: expected a finite number >= 0")
    return number


def year(value: str) -> int:
    """A calendar year in :data:`YEARS`."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a year") from None
    if not YEARS[0] <= number <= YEARS[1]:
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected a year from {YEARS[0]} to {YEARS[1]}")
    return number


def ingest_format(value: str) -> str:
    """``auto`` or a registered evidence format name."""
    if value == "auto":
        return value
    from postmortem_kit.ingest import formats  # noqa: F401  (registers the formats)
    from postmortem_kit.ingest.registry import FORMATS

    if value not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"unknown format {value!r}: expected auto or one of {', '.join(FORMATS)}")
    return value


def check_window(start: Any, end: Any, option: str, tz: str = "UTC", *,
                 empty_ok: bool = True) -> None:
    """Raise UsageError when ``start`` is after ``end`` (naive times read in ``tz``).

    ``option`` names what the user typed (``--baseline``, ``--start/--end``); with
    ``empty_ok=False`` the start must also differ from the end.
    """
    from postmortem_kit.errors import UsageError

    if start is None or end is None:
        return
    first, last = (t.tz_localize(tz) if t.tzinfo is None else t for t in (start, end))
    if first > last or (first == last and not empty_ok):
        relation = "is after" if first > last else "equals"
        raise UsageError(f"{option}: the start ({start}) {relation} the end ({end})")
