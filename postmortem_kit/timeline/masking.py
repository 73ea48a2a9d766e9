"""Mask the variable parts of log messages (ids, addresses, numbers...) before mining.

Template mining works on what stays the same between occurrences of one event; a value
that changes every time (a request id, a client address, a duration) only gets in the
way. :func:`mask_messages` replaces each such value with a typed placeholder (``<IP>``,
``<DURATION>``...) so that ``"timeout after 3000ms from 10.0.0.7"`` and
``"timeout after 250 ms from 10.0.0.9"`` become the same text.

The rules are regular expressions applied in order, most specific first (a URL before
the host, path and numbers inside it, a timestamp before its numbers), each to every
message at once by polars (Rust's regex engine, no Python per message): that is what
keeps masking fast on millions of messages. Rust's engine has no look-around, so a rule
that needs a boundary consumes the character before (and, for host names, after) the
value in a group and puts it back. Values spread over several tokens are whole values
here: ``"5.2 KB"``, ``"350 ms"``, ``"<1 sec"``, ``"1190 bytes (1.16 KB)"`` (a size with
its restatement), ``"Sun Jul 10 07:24:24 2005"``.

Afterwards, on the distinct masked texts only (few), a run of one placeholder repeated
(``"<IP>,<IP>,<IP>"``, ``"<NUM> <NUM> <NUM>"``) becomes one list placeholder
(``"<IP>..."``), so that lists of any length give one template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import polars as pl

# Placeholders a masked text may hold; templates show these names.
PLACEHOLDERS = ("<URL>", "<EMAIL>", "<UUID>", "<TIME>", "<MAC>", "<IP>", "<HOST>", "<PATH>",
                "<HEX>", "<STR>", "<SIZE>", "<DURATION>", "<VERSION>", "<NUM>")

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_CLOCK = r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:[.,][0-9]+)?"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
# Boundaries, consumed and put back (Rust's regex has no look-behind): a value starts
# after one of these characters, or at the start.
_NOT_WORD = r"(^|[^A-Za-z0-9_.])"
_HEX_CHARS = "[0-9a-fA-F]"
# ASCII word boundary: Rust's Unicode one is much slower, and a value glued to a non-ASCII
# letter is rare enough.
_B = r"(?-u:\b)"

# A DNS name. Java packages and dotted config keys look the same (``org.apache.Foo``,
# ``mapred.tip.id``), so a dotted name counts as a host only when it ends in a common
# top-level domain, in a country one after ``co.``/``edu.``..., or has a digit in a label
# before a short alphabetic last label (``t12.baidu.com``, ``cp-1.utah.cloudlab.us``).
# Other dotted names stay words; the miner treats them as identifiers (variable when
# they vary). The name must end there: ``org.apache.v2.app.rm.Allocator`` is no host.
_HOST = (
    r"(^|[^A-Za-z0-9_.@/-])("
    rf"(?:{_LABEL}\.)+(?:com|net|org|edu|gov|mil|int|info|biz|io|local|localdomain|internal"
    r"|arpa|svc|lan|corp|home)"
    rf"|(?:{_LABEL}\.)*(?:com|net|org|edu|gov|ac|co|ne|or|go)\.[a-z]{{2}}"
    rf"|(?:{_LABEL}\.)*[A-Za-z0-9-]*[0-9][A-Za-z0-9-]*\.(?:{_LABEL}\.)*[A-Za-z]{{2,6}}"
    r")($|[^A-Za-z0-9_.-]|\.(?:$|[^A-Za-z0-9_]))"
)

_H = _HEX_CHARS
_DURATION_UNIT = r"(?:ns|us|µs|ms|s|secs?|seconds?|mins?|minutes?|hrs?|hours?|days?)"

# (pattern, replacement), applied in this order to every message.
RULES: tuple[tuple[str, str], ...] = (
    # Quoted single tokens holding more than letters: 'attempt_01', "x-7". A quoted word
    # ('Active', 'hlt') is left to the miner, which treats it as a word (an either/or
    # while it takes few values); a quoted phrase with spaces stays text.
    (r"'[^'\s]*[^A-Za-z'\s][^'\s]*'|\"[^\"\s]*[^A-Za-z\"\s][^\"\s]*\"", "<STR>"),
    (rf"{_B}[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>()\[\]{{}},;]+", "<URL>"),
    (rf"{_B}[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{{2,}}{_B}",
     "<EMAIL>"),
    (rf"{_B}{_H}{{8}}-(?:{_H}{{4}}-){{3}}{_H}{{12}}{_B}", "<UUID>"),
    # Timestamps: ISO 8601 (and 2017-07-03_18,57,12.2), clock times with seconds,
    # "Sun Jul 10 07:24:24 PDT 2005", "10/Oct/2000:13:55:36 -0700".
    (r"(^|[^A-Za-z0-9_/.:-])(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
     r"(?:[T _][0-9]{2}[:,.][0-9]{2}(?:[:,.][0-9]{2})?(?:[.,][0-9]+)?)?"
     rf"(?:Z|[+-][0-9]{{2}}:?[0-9]{{2}})?{_B}|[0-9]{{1,2}}:[0-9]{{2}}:[0-9]{{2}}(?:[.,][0-9]+)?)"
     rf"|{_B}(?:{_WEEKDAY},? )?{_MONTH} +[0-9]{{1,2}},?(?: [0-9]{{4}})? {_CLOCK}"
     rf"(?: [A-Z]{{3,4}})?(?: [0-9]{{4}})?{_B}"
     rf"|{_B}[0-9]{{1,2}}/(?:[0-9]{{1,2}}|[A-Z][a-z]{{2}})/[0-9]{{2,4}}"
     r"(?::[0-9]{2}:[0-9]{2}:[0-9]{2})?(?: [+-][0-9]{4})?", "${1}<TIME>"),
    (rf"{_B}{_H}{{2}}(?::{_H}{{2}}){{5,}}{_B}", "<MAC>"),
    # Host names before IPs: "5.36.59.76.dynamic-dsl-ip.omantel.net.om" is a host. Twice,
    # because a host's trailing boundary may be the next one's leading one.
    (_HOST, "${1}<HOST>${3}"),
    (_HOST, "${1}<HOST>${3}"),
    # IPv4; IPv6: eight groups, or fewer around "::" (so "0000:00:1f" and clocks are not).
    (rf"(^|[^A-Za-z0-9_.])[0-9]{{1,3}}(?:\.[0-9]{{1,3}}){{3}}{_B}"
     rf"|(^|[^A-Za-z0-9_:.])(?:(?:{_H}{{1,4}}:){{7}}{_H}{{1,4}}"
     rf"|(?:{_H}{{1,4}}(?::{_H}{{1,4}})*)?::(?:{_H}{{1,4}}(?::{_H}{{1,4}})*)?){_B}",
     "${1}${2}<IP>"),
    # Paths: /var/log/x.log, ~/x, ./x, ../x, C:\x; not "Mb/s", "(null)/(null)", "HTTP/1.1".
    (r"(^|[\s=(\[{\"',:;])(?:(?:~|\.{1,2})?/[A-Za-z0-9_.@%+~=#-]+(?:/[A-Za-z0-9_.@%+~=#-]*)*"
     r"|[A-Za-z]:\\[^\s\"'<>|,;]*)", "${1}<PATH>"),
    # Hex: 0x1f, and bare hex of four characters or more with both a digit and a letter
    # (81cafc41, 9a00).
    (rf"{_B}(?:0[xX]{_H}+|(?:[0-9]+[a-fA-F]+|[a-fA-F]+[0-9]+){_H}{{2,}}){_B}", "<HEX>"),
    # Durations: Go's 1h2m3s, 1.2s, 350 ms, <1 sec, ~5 minutes, 3d.
    # A clock value without seconds is a duration or a time of day: "lifetime 00:01".
    (r"(^|[^A-Za-z0-9_.:])(?:[0-9]+(?:h[0-9]+m(?:[0-9]+(?:\.[0-9]+)?s)?|m[0-9]+(?:\.[0-9]+)?s)"
     rf"|[<>~]?[0-9]+(?:\.[0-9]+)?(?: ?{_DURATION_UNIT}|[mhd])|[0-9]{{1,3}}:[0-9]{{2}}){_B}",
     "${1}<DURATION>"),
    # Sizes: 5.2 KB, 10MB, 1190 bytes, 4 KiB.
    (rf"(^|[^A-Za-z0-9_.])[0-9]+(?:\.[0-9]+)? ?(?:[KMGTPE]i?B|[kKMGTPE]b|kB|bytes?|B){_B}",
     "${1}<SIZE>"),
    # A value restated in parentheses is one value: "1190 bytes (1.16 KB)".
    (r"<(SIZE|DURATION)> \(<(?:SIZE|DURATION|NUM)>\)", "<${1}>"),
    (rf"{_B}(?:[vV][0-9]+(?:\.[0-9]+)+(?:[-+][0-9A-Za-z.]+)?"
     rf"|[0-9]+\.[0-9]+\.[0-9]+-[0-9A-Za-z.]+){_B}", "<VERSION>"),
    # Numbers, signed or dotted, at a word boundary: "mesos-slave-07" keeps its shape
    # (mesos-slave-<NUM>), "log4j", "ipv6" and "rdd_2" stay as written (a digit makes
    # them variables to the miner anyway). A sign is one after a non-word character.
    (rf"(?:(?-u:\B)[-+])?{_B}[0-9]+(?:\.[0-9]+)*", "<NUM>"),
)

# A run of one placeholder, each a whole item: "<IP>,<IP>", "[<NUM>, <NUM>]"; not the port
# of "<HOST>:<NUM> <NUM>".
_LIST = re.compile(r"(?<![^\s\[({=,])(<[A-Z]+>)(?:\.\.\.)?(?:(?:,\s?|;\s?|\s|\|)\1(?:\.\.\.)?)+")


def _apply_rules(messages: pl.Series) -> pl.Series:
    out = messages
    for pattern, replacement in RULES:
        out = out.str.replace_all(pattern, replacement)
    return out.str.replace_all(r"\s+", " ").str.strip_chars()


def collapse_lists(masked: str) -> str:
    """One placeholder for a run of the same placeholder: ``<IP>,<IP>`` -> ``<IP>...``."""
    return _LIST.sub(r"\1...", masked) if "<" in masked else masked


# Messages masked at a time: each rule makes a new copy of what it is given, so a slice
# bounds that memory (10M messages would otherwise hold two copies of all of them).
_CHUNK = 500_000


def mask_series(messages: pl.Series) -> pl.Series:
    """:func:`mask_messages` on a polars Series of strings, returning one (nulls stay)."""
    masked = pl.concat([_apply_rules(messages.slice(start, _CHUNK))
                        for start in range(0, max(len(messages), 1), _CHUNK)])
    # Lists are collapsed on the distinct masked texts: few, and Python's regex has the
    # back-reference that says "the same placeholder again".
    distinct = masked.drop_nulls().unique().to_list()
    changed = {m: c for m in distinct if (c := collapse_lists(m)) != m}
    if not changed:
        return masked
    return masked.replace(list(changed), list(changed.values()))


def mask_messages(messages: Sequence[str]) -> list[str]:
    """Replace the variable parts of many messages with typed placeholders.

    Parameters
    ----------
    messages
        Log messages (the text after timestamp, level and logger); no missing values.

    Returns
    -------
    list of str
        Aligned with ``messages``: each one with its tokens separated by single spaces,
        and URLs, e-mail addresses, UUIDs, timestamps, MAC and IP addresses, host names,
        file paths, hex ids, quoted tokens, durations, sizes, versions and numbers
        replaced by ``<URL>``, ``<EMAIL>``, ``<UUID>``, ``<TIME>``, ``<MAC>``, ``<IP>``,
        ``<HOST>``, ``<PATH>``, ``<HEX>``, ``<STR>``, ``<DURATION>``, ``<SIZE>``,
        ``<VERSION>``, ``<NUM>``; a list of one of them is written once, then ``...``.

    Examples
    --------
    >>> mask_messages(["close, 1190 bytes (1.16 KB) sent, lifetime <1 sec",
    ...                "close, 403 bytes sent, lifetime 00:01"])
    ['close, <SIZE> sent, lifetime <DURATION>', 'close, <SIZE> sent, lifetime <DURATION>']
    """
    return mask_series(pl.Series("message", list(messages), dtype=pl.String)).to_list()


def mask_message(message: str) -> str:
    """:func:`mask_messages` for one message.

    Examples
    --------
    >>> mask_message("timeout after 3000 ms talking to 10.0.0.7:8080")
    'timeout after <DURATION> talking to <IP>:<NUM>'
    """
    return mask_messages([message])[0]
