"""Recognise how a text log is laid out, from its first lines.

A text log line is an optional prefix (a level letter, a pid, a file name, anything up to
~120 characters), a timestamp in one of the renderings of
:data:`~postmortem_kit.ingest.lines.stamps.STAMPS`, a header (some of: a level, a
``[thread]``, a logger name, a pid, a host) and the message. Lines of several programs
multiplexed into one stream (``docker compose logs``: ``web-1  | <line>``; ``kubectl logs
--prefix``: ``[pod/name/container] <line>``) carry the program's name first, and the rest
is such a line.

Rather than special-casing known products, detection scores every part on a sample of
lines: the rendering found in the most lines (ties to the earlier, more specific one),
then the most specific prefix before it and header after it that fit nearly as many lines.
The result is one RE2 regex with named groups (``timestamp`` and its parts, ``level``,
``thread``, ``service``, ``pid``, ``message``, ...) that
:mod:`postmortem_kit.ingest.formats.text` runs over the whole file, and a readable
pattern (``<timestamp YYYY-MM-DD hh:mm:ss> <level> [<thread>] <message>``) that
``--explain`` shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from postmortem_kit.ingest.lines.stamps import DATELESS, STAMPS, Stamp, narrowings

_LEVEL_WORDS = (
    r"(?i:TRACE|DEBUG\d?|DBG|INFO(?:RMATION)?|INF|NOTICE|WARN(?:ING)?|WRN|ERROR|ERR|SEVERE|"
    r"FATAL|CRIT(?:ICAL)?|ALERT|EMERG(?:ENCY)?|PANIC|FINEST|FINER|FINE|VERBOSE)"
)
LEVEL_WORDS = _LEVEL_WORDS  # the level vocabulary, for lines read outside a layout
LEVEL = r"[\[<(]?(?P<level>" + _LEVEL_WORDS + r")\b[\]>)]?:?"
_LETTER = r"(?P<level>[VDIWEFC])"  # logcat, glog: one capital letter
_THREAD = r"\[(?P<thread>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
# A logger name has a lower-case letter or a dot: an all-capitals word after a time is
# more likely an AM / PM, a zone or a level than a logger.
_LOGGER = r"(?P<service>[A-Z_$]*[a-z.][\w$.\-/]*(?:\[[^\]\s]*\])?)"
_SEP = r"(?:\s+[-|]\s+|\s*[|,:]\s*|\s+)"  # what stands between two header fields
_END = r"(?:\s*:\s+|\s+-\s+|\s*:$|\s+-$)"  # what closes a logger name before the message
_THREAD_END = r"(?:\s+-\s+|:\s+|\s+|$)"
_LEVEL_END = r"(?:\s+-\s+|:\s*|\s+|$)"

# (name, regex, shape): what may stand before the timestamp. Ties go to the earlier entry.
PREFIXES: tuple[tuple[str, str, str], ...] = (
    ("none", "", ""),
    ("level-letter", _LETTER, "<L>"),
    ("syslog-priority", r"<(?P<pri>\d{1,3})>\s?", "<<priority>>"),
    ("level", LEVEL + r"\s*[|:]?\s*", "<level> "),
    ("letter-comma", r"[DIWEFAU],\s+", "<L>, "),
    ("thread-level", r"(?P<thread>[^:\s]+)::" + LEVEL.replace(":?", "") + r"::",
     "<thread>::<level>::"),
    ("pid", r"(?P<pid>\d+)\s+", "<pid> "),
    ("file", r"(?P<file>[\w.\-/]*\w\.\w+)(?::\d+)?[:|]\s*", "<file>:"),
    ("word", r"(?P<tag>[A-Za-z][\w.\-]*)\s+", "<tag> "),
)
# Anything up to the timestamp, when no prefix above fits; the timestamp must not start
# in the middle of a word or number.
ANY_PREFIX = ("any", r"(?P<prefix>(?:.{0,119}?[^0-9A-Za-z])?)", "<prefix> ")

# (name, header regex between the timestamp and the message, shape). More fields = more
# specific; ties go to the earlier entry.
LAYOUTS: tuple[tuple[str, str, str], ...] = (
    ("spring", _SEP + LEVEL + r"\s+(?P<pid>\d+)\s+---\s+" + _THREAD + r"\s+" + _LOGGER
     + r"\s*:\s", " <level> <pid> --- [<thread>] <logger> : "),
    ("ruby", r"\s+#(?P<pid>\d+)\]\s+" + LEVEL + r"\s+--\s+(?P<service>[^:]*?)\s*:\s?",
     " #<pid>] <level> -- <logger>: "),
    ("thread-level-logger", _SEP + _THREAD + _SEP + LEVEL + _SEP + _LOGGER + _END,
     " [<thread>] <level> <logger> - "),
    ("level-thread-logger", _SEP + LEVEL + _SEP + _THREAD + _SEP + _LOGGER + _END,
     " <level> [<thread>] <logger> - "),
    ("logger-level", _SEP + _LOGGER + _SEP + LEVEL + r"(?:\s+-\s+|:?\s+|$)",
     " <logger> <level> "),
    ("level-program", _SEP + LEVEL + r"\s+(?P<service>[\w.\-]+)\[(?P<pid>\d+)\]:?(?:\s+|$)",
     " <level> <program>[<pid>] "),
    ("level-logger", _SEP + LEVEL + _SEP + _LOGGER + _END, " <level> <logger>: "),
    ("syslog", r"\s+(?P<host>[\w.\-]+)\s+(?P<service>[^\s\[\]:]+)(?:\[(?P<pid>\d+)\])?:\s",
     " <host> <program>[<pid>]: "),
    ("glog", r"\s+(?P<thread>\d+)\s+(?P<file>[^\s:\]]+:\d+)\]\s?", " <thread> <file:line>] "),
    ("ids-letter", r"(?:\s+(?P<pid>\w+))?(?:\s+(?P<tid>\w+))?\s+" + _LETTER
     + r"\s+(?:(?P<service>[^\s:]+)\s*:\s)?", " [<pid> <tid>] <L> [<tag>: ]"),
    ("logger.level", r"\s+(?P<service>[\w\-]+)\.(?P<level>" + _LEVEL_WORDS + r"):?\s+",
     " <logger>.<level>: "),
    ("level-thread", _SEP + LEVEL + _SEP + _THREAD + _THREAD_END, " <level> [<thread>] "),
    ("thread-level", _SEP + _THREAD + _SEP + LEVEL + r"(?:\s+-\s+|:?\s+|$)",
     " [<thread>] <level> "),
    ("level", _SEP + LEVEL + _LEVEL_END, " <level> "),
    # a [thread] or [pid] on every line, a level on some (PostgreSQL: ERROR, STATEMENT);
    # after "level", so that Apache's "[error]" stays a level
    ("thread-maybe-level", _SEP + _THREAD + r"(?:" + _SEP + LEVEL + r")?"
     + r"(?:\s+-\s+|:?\s+|$)", " [<thread>] [<level>] "),
    ("mark", r"\s+(?P<mark>[.\-*#])\s+", " <mark .-*#> "),
    ("bare", r"(?:\s+-\s+|:?\s+|$)", " "),
)
# When no header layout fits (``...,672::vdsm::71::`` or ``TCF 29:47.191:``), the message
# is all that follows the timestamp and its separators.
REST_LAYOUT = ("rest", r"[\]\s,|:;-]*", "")

# Lines whose header does not fit the file's layout still start a record: this fallback
# takes an optional level and the rest as the message.
FALLBACK_LAYOUT = r"(?:" + _SEP + LEVEL + r")?(?:\s+-\s+|:?\s+|$)"

# Multiplexed streams: (name, regex of the program's prefix, shape).
MULTIPLEX: tuple[tuple[str, str, str], ...] = (
    ("docker-compose", r"(?P<service>[\w.\-]+)\s+\| ?", "<service>  | "),
    ("kubectl", r"\[(?P<service>pod/[^\]\s]+)\] ", "[pod/<service>] "),
)
MULTIPLEX_SHARE = 0.8  # of the sample lines that must carry one prefix

_OPEN, _CLOSE = r"[\[\"(]?", r"[\]\")]?"
_STAMP_END = r"(?:$|[\]\s,|:;\")-])"
SAMPLE_LINES = 1000
MIN_SHARE = 0.85  # a more specific part wins if it fits this share of the best one's lines
# ANSI colour codes (a terminal's output saved to a file): removed before matching.
ANSI = r"\x1b\[[0-9;]*[A-Za-z]"
TIME_GROUP = "_t_"  # prefix of the timestamp parts' group names in the line regex


@dataclass(frozen=True)
class Layout:
    """A detected layout: the regexes to run and what was recognised."""

    timestamp: str  # name in STAMPS
    timestamp_rx: str  # its regex (with timeparts groups)
    header: str  # name in LAYOUTS
    line_rx: str  # whole-line regex: fields, and the timestamp's parts as _t_<part>
    fallback_rx: str
    coverage: float  # share of sample lines a record starts on
    prefix: str = "none"  # name in PREFIXES (or "any")
    multiplex: str | None = None  # name in MULTIPLEX
    pattern: str = ""  # readable: <timestamp ...> <level> <message>


def _strip_groups(rx: str) -> str:
    """``rx`` with its named groups made anonymous."""
    return re.sub(r"\(\?P<\w+>", "(?:", rx)


def _time_groups(rx: str) -> str:
    """``rx`` with its timeparts groups renamed ``_t_<part>``."""
    return re.sub(r"\(\?P<(\w+)>", r"(?P<" + TIME_GROUP + r"\1>", rx)


def line_regex(ts_rx: str, header_rx: str, prefix_rx: str = "", mux_rx: str = "") -> str:
    """The whole-line regex for a timestamp regex, a header layout and a prefix."""
    ts = _OPEN + r"(?P<timestamp>" + _time_groups(ts_rx) + r")" + _CLOSE
    return "^" + mux_rx + prefix_rx + ts + header_rx + r"(?P<message>.*)$"


def _count(sample: pa.Array, rx: str) -> int:
    return _count_true(pc.match_substring_regex(sample, rx))


def _nonblank(sample: pa.Array) -> pa.Array:
    sample = pc.drop_null(sample)
    if pc.any(pc.match_substring(sample, "\x1b[")).as_py():
        sample = pc.replace_substring_regex(sample, ANSI, "")
    return pc.filter(sample, pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(sample)), 0))


def _groups(rx: str) -> list[str]:
    return re.findall(r"\(\?P<(\w+)>", rx)


def _compatible(*parts: str) -> bool:
    names = [g for p in parts for g in _groups(p)]
    return len(names) == len(set(names))


def detect_multiplex(sample: pa.Array) -> tuple[str, str, str] | None:
    """The :data:`MULTIPLEX` prefix most of ``sample`` carries, if any."""
    sample = _nonblank(sample)
    for entry in MULTIPLEX:
        if len(sample) and _count(sample, "^" + entry[1]) >= MULTIPLEX_SHARE * len(sample):
            return entry
    return None


# Where detection looks for a timestamp: anywhere in the first ~120 characters after a
# separator, or glued to one capital letter (glog's ``I0517``).
_SEARCH = r"^(?:.{0,119}?[^0-9A-Za-z]|[A-Z])?"
_SEARCH_START = r"^(?:\d+\s+)?"  # for renderings not looked for anywhere: after a pid
ANYWHERE_SHARE = 0.5  # of the lines that must hold a timestamp no line starts with


def _lead(stamp: Stamp) -> str:
    """Where detection looks for ``stamp`` in a line."""
    return _SEARCH if stamp.anywhere else (stamp.lead or _SEARCH_START)


_PICK_HEAD = 200  # lines every rendering is looked for in first (see _pick_stamp)
_NEAR_TOP = 0.9  # of the most lines a rendering is found on: "nearly as many"


def _pick_stamp(sample: pa.Array) -> tuple[Stamp, int] | None:
    """The rendering found on the most lines; of those found on nearly as many, the one
    that starts the most lines (ties to the earlier in :data:`STAMPS`).

    Every rendering is looked for in the first :data:`_PICK_HEAD` lines; in the rest only
    those found there, and those not found there that the rest's lines alone could still
    bring near the top. Each is first looked for anywhere, without where it must sit: the
    regex that says where (up to 120 characters in) costs several times more to compile
    than matching 200 lines, and most renderings are in no line at all."""
    head, tail = sample.slice(0, _PICK_HEAD), sample.slice(_PICK_HEAD)
    leads = [_lead(s) + _OPEN + s.rx + _STAMP_END for s in STAMPS]

    def count(lines: pa.Array, i: int) -> int:
        if not len(lines) or not pc.any(pc.match_substring_regex(lines, STAMPS[i].rx)).as_py():
            return 0
        return _count(lines, leads[i])

    in_head = _head_counts(head, count)
    counts: dict[int, int] = {}
    for i, n in enumerate(in_head):
        if n:
            counts[i] = n + count(tail, i)
    top = max(counts.values(), default=0)
    for i, n in enumerate(in_head):
        if not n and len(tail) and len(tail) >= _NEAR_TOP * top:
            found = count(tail, i)
            if found:
                counts[i] = found
    if not counts:
        return None
    top = max(counts.values())
    near = sorted(i for i, n in counts.items() if n >= _NEAR_TOP * top)
    starting = [_count(sample, "^" + _OPEN + STAMPS[i].rx + _STAMP_END) for i in near]
    best = near[starting.index(max(starting))]  # (index keeps the first of equal ones)
    return STAMPS[best], counts[best]


# On how many of the first lines each rendering is where detection looks for it, by the
# lines' text: the text sniff and the load each detect the layout of a file's first lines
# (the load on more of them, the same first :data:`_PICK_HEAD`), and the renderings'
# regexes, compiled at each call, cost more than the rest of the detection.
_HEAD_COUNTS: dict[tuple[str, ...], list[int]] = {}
_HEAD_COUNTS_KEPT = 8


def _head_counts(head: pa.Array, count: Callable[[pa.Array, int], int]) -> list[int]:
    """``[count(head, i) for i in range(len(STAMPS))]``, remembered for the last few
    ``head``s (non-blank lines, no nulls)."""
    key = tuple(head.to_pylist())
    found = _HEAD_COUNTS.get(key)
    if found is None:
        found = [count(head, i) for i in range(len(STAMPS))]
        if len(_HEAD_COUNTS) >= _HEAD_COUNTS_KEPT:  # (a clear: safe beside other threads)
            _HEAD_COUNTS.clear()
        _HEAD_COUNTS[key] = found
    return list(found)


def _too_few(sample: pa.Array, starts: pa.Array, programs: pa.Array | None) -> bool:
    """Whether timestamps found after an arbitrary prefix start too few lines to be the
    log's own: fewer than :data:`ANYWHERE_SHARE` of the lines (of a multiplexed stream:
    of the lines of the programs that write them), rather than a date in a few messages."""
    total = len(sample)
    if programs is not None:
        writers = pc.unique(pc.filter(programs, starts))
        total = _count_true(pc.is_in(programs, value_set=writers))
    return _count_true(starts) < ANYWHERE_SHARE * total


def _count_true(mask: pa.Array) -> int:
    return pc.sum(mask).as_py() or 0


def detect_layout(sample: pa.Array) -> Layout | None:
    """The best layout for ``sample`` (lines), or None if no timestamp is found.

    Examples
    --------
    >>> import pyarrow as pa
    >>> lay = detect_layout(pa.array(["17/06/09 20:10:40 INFO spark.SecurityManager: hi"]))
    >>> lay.timestamp, lay.header
    ('yy/mm/dd', 'level-logger')
    >>> lay.pattern
    '<timestamp YY/MM/DD hh:mm:ss[.f][ AM|PM]> <level> <logger>: <message>'
    """
    sample = _nonblank(sample)
    if len(sample) == 0:
        return None
    mux = detect_multiplex(sample)
    mux_name, mux_rx, mux_shape = mux if mux else (None, "", "")
    programs = None
    if mux:
        programs = pc.extract_regex(sample, "^" + mux_rx).field("service")
        programs = pc.if_else(pc.match_substring_regex(sample, "^" + mux_rx), programs, "")
        sample = pc.replace_substring_regex(sample, "^" + mux_rx, "")
    picked = _pick_stamp(sample)
    if picked is None:
        return None
    stamp, n_any = picked
    stamp_rx = _OPEN + stamp.rx + _STAMP_END
    prefix = next((p for p in PREFIXES if _count(sample, "^" + p[1] + stamp_rx)
                   >= MIN_SHARE * n_any), ANY_PREFIX)
    starts = pc.match_substring_regex(sample, "^" + prefix[1] + _OPEN + stamp.rx)
    if prefix is ANY_PREFIX and _too_few(sample, starts, programs):
        return None
    ts_lines = pc.filter(sample, starts)
    headers = LAYOUTS
    if mux:  # the program's name is the service: a logger in the line is its logger
        headers = tuple((n, rx.replace("(?P<service>", "(?P<logger>"), shape.replace(
            "<logger>", "<logger>")) for n, rx, shape in LAYOUTS)
    scored: list[tuple[tuple[str, str, str], int]] = []
    for h in headers:
        if not _compatible(prefix[1], h[1]):
            continue
        scored.append((h, _count(ts_lines, line_regex(stamp.rx, h[1], prefix[1]))))
        if scored[-1][1] == len(ts_lines):
            # No later header can fit more lines, nor be picked before this one: their
            # regexes (each compile costs more than matching the lines) are not needed.
            break
    top = max(n for _, n in scored)
    header = next((h for h, n in scored if n >= MIN_SHARE * top and n > 0), REST_LAYOUT)
    fallback = FALLBACK_LAYOUT if _compatible(prefix[1], FALLBACK_LAYOUT) else REST_LAYOUT[1]
    line_rx = line_regex(stamp.rx, header[1], prefix[1], mux_rx)
    return Layout(
        timestamp=stamp.name,
        timestamp_rx=stamp.rx,
        header=header[0],
        line_rx=line_rx,
        fallback_rx=line_regex(stamp.rx, fallback, prefix[1], mux_rx),
        coverage=len(ts_lines) / len(sample),
        prefix=prefix[0],
        multiplex=mux_name,
        pattern=(mux_shape + prefix[2] + f"<timestamp {stamp.shape}>"
                 + (header[2] or " ") + "<message>"),
    )


# Pieces of a layout's regex that the Rust engine runs slowly (alternations and ``\s+``
# next to each other make it leave its one-pass mode), each with narrower spellings a
# file's sample may show it uses: see :func:`_narrowed`.
_WIDE_PIECES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (_OPEN, ("", r"\[")),
    (_CLOSE, ("", r"\]")),
    (_SEP, (" ", " +", " - ", " \\| ", ": ", ":", ", ", "\t")),
    (_END, (": ", " - ", " +- ", " *: +")),
    (_LEVEL_END, (" ", " +", ": ", ":", " - ")),
    (_THREAD_END, (" ", " +", ": ", " - ")),
    (r"[\[<(]?(?P<level>", (r"(?P<level>", r"\[(?P<level>")),
    (r"\b[\]>)]?:?", ("", r"\]", ":")),
    (r"[\w.\-/]*\w\.\w+", (r"[^\s:|]+",)),  # a file name
    (r"\s+", (" ", " +")),
    (r"\s*", ("", " *")),
    (r"\s?", ("", " ")),
    (r"\s", (" ",)),
    (r"[T ]", (" ", "T")),
    (r"[\w$.\-/]*", (r"[0-9A-Za-z_$.\-/]*",)),
    (r"\w+", (r"[0-9A-Za-z_]+",)),
    # optional fields every sample line has, or none has
    (r"(?::[0-9]+)?", ("",)),
    (r"(?:\[[^\]\s]*\])?", ("",)),
    (r"(?: +(?P<pid>[0-9A-Za-z_]+))?", (r" +(?P<pid>[0-9A-Za-z_]+)", "")),
    (r"(?: +(?P<tid>[0-9A-Za-z_]+))?", (r" +(?P<tid>[0-9A-Za-z_]+)", "")),
    (r"(?:(?P<service>[^ :]+): )?", (r"(?P<service>[^ :]+): ", "")),
)


NARROWING_LINES = 200  # of the sample, to check each narrowing on


def narrowed(sample: pa.Array, line_rx: str) -> str:
    """``line_rx`` narrowed, piece by piece, to what the sample lines write: each
    optional part of the timestamp fixed (a fraction or none, a zone or none, AM/PM,
    brackets), separators and blanks spelled as the sample spells them, the level words
    those the sample uses, digits ASCII. A narrowing is kept only when it captures exactly
    what ``line_rx`` captures on every sample line: the narrow regex runs first, and the
    lines it misses go to ``line_rx``."""
    sample = sample.slice(0, NARROWING_LINES)
    want = pc.extract_regex(sample, line_rx)
    if want.null_count == len(want):
        return line_rx
    levels = sorted({v for v in want.field("level").to_pylist() if v}) if (
        want.type.get_field_index("level") >= 0) else []
    pieces: list[tuple[str, tuple[str, ...]]] = [(r"\d", ("[0-9]",))]
    if levels:  # (first: the longest alternation, which every later check would compile)
        pieces.append((r"(?P<level>" + _LEVEL_WORDS.replace(r"\d", "[0-9]") + ")", (
            r"(?P<level>" + "|".join(re.escape(v) for v in levels) + ")",)))
    pieces += [(_time_groups(piece.replace(r"\d", "[0-9]")),
                tuple(_time_groups(r.replace(r"\d", "[0-9]")) for r in rs))
               for piece, rs in _grouped(narrowings(line_rx.replace("_t_", "")))]
    pieces += list(_WIDE_PIECES)
    kept: list[str] = []  # pieces left as they were, out of the way of the next search

    def same(rx: str) -> bool:
        """Whether ``rx`` matches the lines ``line_rx`` matches, capturing the same (a
        group it no longer has must have captured nothing)."""
        try:
            got = pc.extract_regex(sample, _restore(rx, kept))
        except (pa.ArrowInvalid, ValueError):
            return False
        if not got.is_valid().equals(want.is_valid()):
            return False
        for i, field in enumerate(want.type):
            j = got.type.get_field_index(field.name)
            mine = want.field(i)
            if j < 0:
                if pc.any(pc.greater(pc.utf8_length(pc.drop_null(mine)), 0)).as_py():
                    return False
            elif not got.field(j).equals(mine):
                return False
        return True

    rx = line_rx
    for piece, options in pieces:
        # Every occurrence spelled as the first option, in one check (each check compiles
        # the regex: a piece written many times, as ``\d`` is, would cost one per
        # occurrence); else occurrence by occurrence.
        if rx.count(piece) > 1 and same(everywhere := rx.replace(piece, options[0])):
            rx = everywhere
        while piece in rx:
            for option in options:
                candidate = rx.replace(piece, option, 1)
                if same(candidate):
                    rx = candidate
                    break
            else:
                rx = rx.replace(piece, f"\x00{len(kept)}\x00", 1)
                kept.append(piece)
    return _restore(rx, kept)


def _grouped(pairs: list[tuple[str, str]]) -> list[tuple[str, tuple[str, ...]]]:
    out: dict[str, list[str]] = {}
    for piece, option in pairs:
        out.setdefault(piece, []).append(option)
    return [(p, tuple(o)) for p, o in out.items()]


def _restore(rx: str, kept: list[str]) -> str:
    for i, piece in enumerate(kept):
        rx = rx.replace(f"\x00{i}\x00", piece)
    return rx


def timestamp_pattern_for(values: pa.Array) -> tuple[str, str] | None:
    """The entry of :data:`STAMPS` matching most of ``values`` (whole strings).

    A time of day alone is not a timestamp here: a ``pattern=`` that captures one gets
    no date from today (only an inferred layout dates it, and says so)."""
    values = pc.drop_null(values)
    if len(values) == 0:
        return None
    scored = [(_count(values, "^" + s.rx + "$"), s.name, s.rx) for s in STAMPS
              if s.name not in DATELESS]
    n, name, rx = max(scored, key=lambda t: t[0])  # max keeps the first of equal scores
    return (name, rx) if n else None


def near_misses(sample: pa.Array, limit: int = 3) -> str:
    """Why no layout fits ``sample`` (lines), for the error that says what to pass as
    ``pattern=``: the renderings that came closest, and what kept each out."""
    sample = _nonblank(sample)
    if len(sample) == 0:
        return "the file holds no text line"
    found = []
    for s in STAMPS:
        anywhere = _count(sample, s.rx)
        if not anywhere:
            continue
        early = _count(sample, _lead(s) + _OPEN + s.rx + _STAMP_END)
        if early:
            why = (f"on {early} of {len(sample)} lines, none at a line's start: too few "
                   "to be the log's timestamps")
        elif s.anywhere:
            why = (f"in {anywhere} of {len(sample)} lines, but not within the first 120 "
                   "characters after a separator")
        else:
            why = f"in {anywhere} of {len(sample)} lines, but not at a line's start"
        found.append((anywhere, f"{s.shape} ({s.name}) found {why}"))
    first = sample[0].as_py()
    first = first if len(first) <= 80 else first[:77] + "..."
    closest = "; ".join(t for _, t in sorted(found, key=lambda t: -t[0])[:limit])
    return ("no line starts with a timestamp in a known rendering (closest: "
            + (closest or "none: no date and time of day in any line") + f"); first line: "
            f"{first!r}; pass pattern= with a (?P<timestamp>...) group, e.g. "
            r"pattern=r'^(?P<timestamp>\S+ \S+) (?P<level>\w+) (?P<message>.*)$'")
