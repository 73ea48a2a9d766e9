"""Mask the variable parts of log messages (ids, addresses, numbers...) before mining.

Template mining works on what stays the same between occurrences of one event; a value
that changes every time (a request id, a client address, a duration) only gets in the
way. :func:`mask_message` replaces each such value with a typed placeholder
(``<IP>``, ``<NUM>``...) so that ``"timeout after 3000ms from 10.0.0.7"`` and
``"timeout after 250ms from 10.0.0.9"`` become the same text.

Masking works token by token (whitespace-separated), because that is what makes it fast:
a plain word needs no regex at all, and a token seen before (a host, a status code, a
common id) is a dictionary look-up. Values that span tokens ("5.2 KB", "160 ms",
"Sun Jul 10 07:24:24 2005") are joined afterwards from the masked tokens. Within a token
the masks are tried in a fixed order, most specific first: a URL is masked whole before
its host, digits or path could be masked piecemeal, and a timestamp before its numbers.
"""

from __future__ import annotations

import re

# Placeholders, in the order they are tried; templates show these names.
PLACEHOLDERS = ("<URL>", "<UUID>", "<EMAIL>", "<TIME>", "<MAC>", "<IP>", "<HOST>", "<PATH>",
                "<HEX>", "<STR>", "<SIZE>", "<DURATION>", "<NUM>")

_CLOCK = r"\d{1,2}:\d\d(?::\d\d)?(?:[.,]\d+)?"
_TIME_RE = re.compile(
    r"\b\d{4}-\d\d-\d\d(?:T" + _CLOCK + r")?(?:Z|[+-]\d\d:?\d\d)?(?![\w:])"  # ISO 8601
    + r"|\b\d{1,2}/(?:\d{1,2}|[A-Z][a-z]{2})/\d{2,4}(?::" + _CLOCK + r")?"  # 10/Oct/2000:13:55
    + r"|(?<![\w:.])" + _CLOCK + r"(?![\w:])"  # a clock time
)
_URL_RE = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s,;\"'<>()\[\]{}]+")
_UUID_RE = re.compile(r"\b[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\b")
_EMAIL_RE = re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_MAC_RE = re.compile(r"\b[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}\b")
# IPv6: eight groups, or fewer with "::" (so "0000:00:1f" and clock times are not).
_IPV6_RE = re.compile(
    r"(?<![\w:.])(?:(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}"
    r"|(?=[0-9a-fA-F:]*[0-9a-fA-F])(?:[0-9a-fA-F]{1,4}:)*[0-9a-fA-F]{0,4}::"
    r"(?:[0-9a-fA-F]{1,4}:)*[0-9a-fA-F]{0,4})(?![\w:])"
)
_IPV4_RE = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\w)")
# A DNS name. Java packages and dotted config keys look the same (``org.apache.Foo``,
# ``mapred.tip.id``), so a name counts as a host only when it ends in a common top-level
# domain, or in a two-letter (country) one after ``co.``/``edu.``... or with a digit or
# hyphen somewhere, as ISP host names have.
_HOST_RE = re.compile(
    r"(?<![\w.@/-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?P<tld>[A-Za-z]{2,12})"
    r"(?![\w.-]|\.\w)"
)
_GENERIC_TLDS = frozenset(
    "com net org edu gov mil info biz io local localdomain internal arpa svc".split()
)
_SECOND_LEVEL = frozenset("com net org edu gov ac co ne or go".split())
# A path; "/10.0.0.1:80" (ZooKeeper, Java sockets) is an address, not a path.
_PATH_RE = re.compile(
    r"(?<![\w<>/.:~-])(?:[A-Za-z]:\\|~?/)(?!\d{1,3}(?:\.\d{1,3}){3}(?![\w]|\.\w))"
    r"(?:[\w.@%+~=-]+[/\\]?)+"
)
_HEX_RE = re.compile(
    r"\b0[xX][0-9a-fA-F]+\b"
    r"|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"
)
# Quoted values with a digit, a slash or an earlier mask in them are data; a quoted plain
# word ('hlt', 'sparkExecutorActorSystem') usually names a thing and stays.
_QUOTED_RE = re.compile(
    r"(?<![\w])'(?=[^'\s]*[\d/<])[^'\s]+'(?![\w])|\"(?=[^\"\s]*[\d/<])[^\"\s]+\""
)
_SIZE_RE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:[KMGTPE]i?B|bytes?|B)\b")
_DURATION_RE = re.compile(
    r"(?<![\w.])\d+(?:\.\d+)?(?:h\d+m(?:\d+(?:\.\d+)?s)?|m\d+(?:\.\d+)?s)"  # Go: 1h2m3s
    r"|(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|secs?|min|h)\b"
)
# A number and its unit as two tokens ("5.2 KB", "160 ms") make one value.
_SIZE_UNITS = frozenset("B KB MB GB TB PB KiB MiB GiB TiB byte bytes".split())
_DURATION_UNITS = frozenset(
    "ns us µs ms s sec secs second seconds min mins minute minutes h hr hrs hour hours "
    "day days".split()
)
_UNITS = _SIZE_UNITS | _DURATION_UNITS
_MONTHS = frozenset(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec January February March April June "
    "July August September October November December".split()
)
_WEEKDAYS = frozenset("Mon Tue Wed Thu Fri Sat Sun Monday Tuesday Wednesday Thursday Friday "
                      "Saturday Sunday".split())
_TAIL_PUNCT = ".,;:)]}"
# Digit runs not glued to a preceding letter: ``mesos-slave-07`` and ``rdd_2_0`` keep their
# shape (``mesos-slave-<NUM>``), while ``log4j``, ``ipv6`` and ``e820`` stay as written.
_NUM_RE = re.compile(r"(?<![A-Za-z0-9])[-+]?\d+(?:\.\d+)*")


def _host(match: re.Match[str]) -> str:
    tld = match.group("tld").lower()
    text = match.group(0)
    if tld in _GENERIC_TLDS:
        return "<HOST>"
    if len(tld) == 2 and text.count(".") >= 2 and (
        any(c.isdigit() or c == "-" for c in text)
        or text.rsplit(".", 2)[-2].lower() in _SECOND_LEVEL
    ):
        return "<HOST>"
    return text


# One regex, the masks as alternatives in priority order: at each position the first
# alternative that matches wins (a URL before the path and numbers inside it, an IP before
# its numbers), and a token is scanned once instead of once per mask.
_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("URL", _URL_RE), ("UUID", _UUID_RE), ("EMAIL", _EMAIL_RE), ("TIME", _TIME_RE),
    ("MAC", _MAC_RE), ("IP6", _IPV6_RE), ("IP", _IPV4_RE), ("HOST", _HOST_RE),
    ("PATH", _PATH_RE), ("HEX", _HEX_RE), ("STR", _QUOTED_RE), ("SIZE", _SIZE_RE),
    ("DURATION", _DURATION_RE), ("NUM", _NUM_RE),
)
_ANY_MASK = re.compile("|".join(f"(?P<{name}>{pattern.pattern})" for name, pattern in _KINDS))
_PLACEHOLDER = {name: f"<{name}>" for name, _ in _KINDS} | {"IP6": "<IP>"}
# Characters without which no mask can match: a token with none of them is left alone.
_MASKABLE = frozenset("0123456789/\\:@'\".")


def _placeholder(match: re.Match[str]) -> str:
    kind = match.lastgroup or "NUM"
    return _host(match) if kind == "HOST" else _PLACEHOLDER[kind]


def _mask_token(token: str) -> str:
    if token.isdigit():
        return "<NUM>"
    if _MASKABLE.isdisjoint(token):
        return token
    return _ANY_MASK.sub(_placeholder, token)


# Distinct tokens seen, with their masked form; and those of them that may be part of a
# value spanning several tokens (a unit, a month, a time). Both are emptied when they grow
# past their bound so that a stream of unique ids cannot grow them without limit.
_TOKEN_CACHE: dict[str, str] = {}
_SPANNING_TOKENS: set[str] = set()
_TOKEN_CACHE_SIZE = 500_000


def _remember(token: str) -> str:
    masked = _TOKEN_CACHE[token] = token if token.isalpha() else _mask_token(token)
    core = token.rstrip(_TAIL_PUNCT)
    if core in _MONTHS or core in _UNITS or masked.startswith("<TIME>"):
        _SPANNING_TOKENS.add(token)
    return masked


def _split_tail(token: str) -> tuple[str, str]:
    core = token.rstrip(_TAIL_PUNCT)
    return core, token[len(core):]


def _join_spanning_values(tokens: list[str], has_month: bool) -> list[str]:
    """Merge values spread over several tokens: number + unit, and written-out dates."""
    out: list[str] = []
    for tok in tokens:
        core, tail = _split_tail(tok)
        if out and out[-1] == "<NUM>" and (core in _SIZE_UNITS or core in _DURATION_UNITS):
            out[-1] = ("<SIZE>" if core in _SIZE_UNITS else "<DURATION>") + tail
        elif out and out[-1] == "<TIME>" and core in ("<TIME>", "<NUM>") and has_month:
            out[-1] = "<TIME>" + tail  # the time or the year after "Jul 10 07:24:24"
        elif out and out[-1] == "<TIME>" and core == "<TIME>":
            out[-1] = "<TIME>" + tail  # ISO date, then its clock time after a space
        elif has_month and core == "<TIME>" and len(out) >= 2 and out[-1].rstrip(",") == "<NUM>" \
                and out[-2] in _MONTHS:
            # "Jul 10 07:24:24", "Sun Jul 10 07:24:24", "Jul 10, 2005 07:24:24"
            del out[-2:]
            if out and out[-1].rstrip(",") in _WEEKDAYS:
                out.pop()
            out.append("<TIME>" + tail)
        else:
            out.append(tok)
    return out


def mask_message(message: str) -> str:
    """Replace the variable parts of one message with typed placeholders.

    Parameters
    ----------
    message
        One log message (the text after timestamp, level and logger).

    Returns
    -------
    str
        The message, its tokens separated by single spaces, with URLs, UUIDs, e-mail
        addresses, timestamps, MAC and IP addresses, host names, file paths, hex ids,
        quoted data, sizes, durations and numbers replaced by ``<URL>``, ``<UUID>``,
        ``<EMAIL>``, ``<TIME>``, ``<MAC>``, ``<IP>``, ``<HOST>``, ``<PATH>``, ``<HEX>``,
        ``<STR>``, ``<SIZE>``, ``<DURATION>`` and ``<NUM>``.

    Examples
    --------
    >>> mask_message("timeout after 3000 ms talking to 10.0.0.7:8080")
    'timeout after <DURATION> talking to <IP>:<NUM>'
    """
    if len(_TOKEN_CACHE) >= _TOKEN_CACHE_SIZE:
        # Between messages, never within one: the spanning check below needs every token
        # of this message to be in the cache at once.
        clear_token_cache()
    tokens = message.split()
    get = _TOKEN_CACHE.get
    masked = [get(tok) or _remember(tok) for tok in tokens]
    if not _SPANNING_TOKENS.isdisjoint(tokens):
        masked = _join_spanning_values(masked, not _MONTHS.isdisjoint(tokens))
    return " ".join(masked)


def clear_token_cache() -> None:
    """Forget the masked tokens seen so far (for benchmarks, and to free the memory)."""
    _TOKEN_CACHE.clear()
    _SPANNING_TOKENS.clear()
