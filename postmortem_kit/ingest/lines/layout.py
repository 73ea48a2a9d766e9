"""Recognise how a timestamp-prefixed text log is laid out, from its first lines.

A text log line is a timestamp, then a header (some of: a level, a ``[thread]``, a logger
name, a pid), then the message. Rather than special-casing known products, detection
tries every timestamp pattern of :data:`TIMESTAMPS` on a sample of lines and keeps the
one that starts the most lines; then it tries every header layout of :data:`LAYOUTS`
after that timestamp and keeps the most specific one that fits nearly as many lines as
the best. The result is one RE2 regex with named groups (``timestamp``, ``level``,
``thread``, ``service``, ``pid``, ``message``) that
:mod:`postmortem_kit.ingest.formats.text` runs over the whole file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.lines.timeparts import MONTH_RX
from postmortem_kit.ingest.times import ZONE

_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?"
_FRAC = r"(?:[.,](?P<f>\d{1,9}))?"
_HMS = r"(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)" + _FRAC
_ZONE = r"(?:\s?(?P<z>" + ZONE + r"))?"

# (name, regex with timeparts group names). Ties in coverage go to the earlier entry, so
# the more specific patterns come first.
TIMESTAMPS: tuple[tuple[str, str], ...] = (
    ("iso8601", r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)[T ]" + _HMS + _ZONE),
    ("ymd-slash", r"(?P<Y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)[ T-]" + _HMS + _ZONE),
    ("ctime", _DAY + r" (?P<b>" + MONTH_RX + r")[a-z]* +(?P<d>\d\d?) " + _HMS
     + r"(?: (?P<Y>\d{4}))"),
    ("clf", r"(?P<d>\d\d)/(?P<b>" + MONTH_RX + r")/(?P<Y>\d{4}):" + _HMS + _ZONE),
    ("dd-mon-yyyy", r"(?P<d>\d\d?)[- ](?P<b>" + MONTH_RX + r")[a-z]*[- ](?P<Y>\d{4})[ :T]"
     + _HMS + _ZONE),
    ("yy/mm/dd", r"(?P<y>\d\d)/(?P<m>\d\d)/(?P<d>\d\d) " + _HMS),
    ("mm/dd/yyyy", r"(?P<m>\d\d)/(?P<d>\d\d)/(?P<Y>\d{4})[ ,]+" + _HMS + _ZONE),
    ("dd.mm.yyyy", r"(?P<d>\d\d)\.(?P<m>\d\d)\.(?P<Y>\d{4})[ T]" + _HMS + _ZONE),
    ("compact", r"(?P<Y>\d{4})(?P<m>\d\d)(?P<d>\d\d)[ T-]?(?P<H>\d\d):?(?P<M>\d\d):?(?P<S>\d\d)"
     + _FRAC + _ZONE),
    ("bsd", r"(?P<b>" + MONTH_RX + r") +(?P<d>\d\d?) " + _HMS + r"(?: (?P<Y>\d{4}))?"),
    ("epoch-ms", r"(?P<ems>1\d{12})"),
    ("epoch", r"(?P<es>1\d{9}(?:\.\d{1,9})?)"),
)

_LEVEL_WORDS = (
    r"(?i:TRACE|DEBUG|DBG|INFO(?:RMATION)?|INF|NOTICE|WARN(?:ING)?|WRN|ERROR|ERR|SEVERE|"
    r"FATAL|CRIT(?:ICAL)?|ALERT|EMERG(?:ENCY)?|PANIC|FINEST|FINER|FINE|VERBOSE)"
)
LEVEL = r"[\[<(]?(?P<level>" + _LEVEL_WORDS + r")\b[\]>)]?:?"
_THREAD = r"\[(?P<thread>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
_LOGGER = r"(?P<service>[A-Za-z_$][\w$.\-/]*(?:\[[^\]\s]*\])?)"
_SEP = r"(?:\s+[-|]\s+|\s*\|\s*|\s+)"  # what stands between two header fields
_END = r"(?::\s+|\s+-\s+|\s*:$|\s+-$)"  # what closes a logger name before the message
_THREAD_END = r"(?:\s+-\s+|:\s+|\s+|$)"

# (name, header regex between the timestamp and the message). More fields = more specific.
LAYOUTS: tuple[tuple[str, str], ...] = (
    ("spring", _SEP + LEVEL + r"\s+(?P<pid>\d+)\s+---\s+" + _THREAD + r"\s+" + _LOGGER
     + r"\s*:\s"),
    ("thread-level-logger", _SEP + _THREAD + _SEP + LEVEL + _SEP + _LOGGER + _END),
    ("level-thread-logger", _SEP + LEVEL + _SEP + _THREAD + _SEP + _LOGGER + _END),
    ("logger-level", _SEP + _LOGGER + _SEP + LEVEL + r"(?:\s+-\s+|:?\s+|$)"),
    ("level-logger", _SEP + LEVEL + _SEP + _LOGGER + _END),
    ("level-thread", _SEP + LEVEL + _SEP + _THREAD + _THREAD_END),
    ("thread-level", _SEP + _THREAD + _SEP + LEVEL + r"(?:\s+-\s+|:?\s+|$)"),
    ("level", _SEP + LEVEL + r"(?:\s+-\s+|\s+|$)"),
    ("bare", r"(?:\s+-\s+|:?\s+|$)"),
)

# When no header layout fits (``2012-07-02 10:22:40,672:DEBUG:foo``: no blank after the
# timestamp), the message is all that follows the timestamp and its separators.
REST_LAYOUT = r"[\]\s,|:;-]*"

# Lines whose header does not fit the file's layout still start a record: this fallback
# takes an optional level and the rest as the message.
FALLBACK_LAYOUT = r"(?:" + _SEP + LEVEL + r")?(?:\s+-\s+|:?\s+|$)"

SAMPLE_LINES = 1000
MIN_SHARE = 0.9  # a more specific layout wins if it fits this share of the best one's lines


@dataclass(frozen=True)
class Layout:
    """A detected layout: the regexes to run and what was recognised."""

    timestamp: str  # name in TIMESTAMPS
    timestamp_rx: str  # its regex (with timeparts groups)
    header: str  # name in LAYOUTS
    line_rx: str  # whole-line regex, groups renamed so only fields remain
    fallback_rx: str
    coverage: float  # share of sample lines starting with the timestamp


def _strip_groups(rx: str) -> str:
    """``rx`` with its named groups made anonymous (they nest inside ``timestamp``)."""
    return re.sub(r"\(\?P<\w+>", "(?:", rx)


def line_regex(ts_rx: str, header_rx: str) -> str:
    """The whole-line regex for a timestamp regex and a header layout."""
    ts = r"^\[?(?P<timestamp>" + _strip_groups(ts_rx) + r")\]?"
    return ts + header_rx + r"(?P<message>.*)$"


def _coverage(sample: pa.Array, rx: str) -> int:
    return pc.sum(pc.match_substring_regex(sample, rx)).as_py() or 0


def detect_layout(sample: pa.Array) -> Layout | None:
    """The best timestamp + header layout for ``sample`` (lines), or None if no timestamp.

    Examples
    --------
    >>> import pyarrow as pa
    >>> lay = detect_layout(pa.array(["17/06/09 20:10:40 INFO spark.SecurityManager: hi"]))
    >>> lay.timestamp, lay.header
    ('yy/mm/dd', 'level-logger')
    """
    sample = pc.drop_null(sample)
    sample = pc.filter(sample, pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(sample)), 0))
    if len(sample) == 0:
        return None
    best_name, best_rx, best_n = None, "", 0
    for name, rx in TIMESTAMPS:
        n = _coverage(sample, r"^\[?" + rx + r"(?:$|[\]\s,|:;-])")
        if n > best_n:
            best_name, best_rx, best_n = name, rx, n
    if best_name is None:
        return None
    ts_lines = pc.filter(sample, pc.match_substring_regex(sample, r"^\[?" + best_rx))
    scored = [(name, rx, _coverage(ts_lines, line_regex(best_rx, rx))) for name, rx in LAYOUTS]
    top = max(n for _, _, n in scored)
    header, header_rx = next(((nm, rx) for nm, rx, n in scored if n >= MIN_SHARE * top and n > 0),
                             ("rest", REST_LAYOUT))
    return Layout(
        timestamp=best_name,
        timestamp_rx=best_rx,
        header=header,
        line_rx=line_regex(best_rx, header_rx),
        fallback_rx=line_regex(best_rx, FALLBACK_LAYOUT),
        coverage=best_n / len(sample),
    )


def timestamp_pattern_for(values: pa.Array) -> tuple[str, str] | None:
    """The entry of :data:`TIMESTAMPS` matching most of ``values`` (whole strings)."""
    values = pc.drop_null(values)
    if len(values) == 0:
        return None
    scored = [(_coverage(values, "^" + rx + "$"), name, rx) for name, rx in TIMESTAMPS]
    n, name, rx = max(scored, key=lambda t: t[0])  # max keeps the first of equal scores
    return (name, rx) if n else None
