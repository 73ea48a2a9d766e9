"""What must not travel: the detectors that find personal data and secrets in free text.

Each detector returns :class:`Finding` spans: the part of the text to replace (for a
``password=hunter2`` only ``hunter2``; for ``Bearer abc...`` only the token) and the value a
pseudonym is made from. The kinds, what they are called in an audit and the prefix of their
pseudonyms are :data:`~postmortem_kit.redact.kinds.KINDS`.

The rules learn from detect-secrets' plugins (AWS keys, JWT, basic auth, keyword, high
entropy strings) but run on prose rather than source lines, and give spans: detect-secrets
reports the secret of a line, while a report needs the exact place to replace. Its entropy
plugins flag any long hex string, which would take trace ids and commit hashes; here entropy
counts only after a key that names a credential (a "key position"). Phone numbers are found
by ``phonenumbers`` (Google's libphonenumber rules), which tells them from dates, times and
counters; a bare run of digits is never taken for one.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import phonenumbers

from postmortem_kit.redact.kinds import KINDS as KINDS

# When two findings cover the same span, the more specific one names it.
_PRIORITY = {kind: rank for rank, kind in enumerate(
    ("user", "private_key", "jwt", "aws_key", "gcp_key", "url_credentials", "bearer", "card",
     "email", "ipv4", "ipv6", "phone", "secret", "high_entropy"))}


@dataclass(frozen=True)
class Finding:
    """A span of text to replace: ``text[start:end]`` is ``kind``; ``value`` is what its
    pseudonym is made from (normalised: an email lower-cased, a card's digits only)."""

    kind: str
    start: int
    end: int
    value: str


Detector = Callable[[str], Iterator[Finding]]

# -- addresses ------------------------------------------------------------------------------
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])")
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.-]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w-]|\.\d)")
# A dotted quad after "version", "release", "build" or "v" is a version number.
_VERSION_BEFORE = re.compile(r"(?i)(?:\b(?:version|ver|release|build|rev)\s*[:=]?\s*)$")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|:|"
    rf"{_OCTET}(?:\.{_OCTET}){{3}})?(?:%[A-Za-z0-9]+)?(?![\w:.]|\.\d)")


def emails(text: str) -> Iterator[Finding]:
    """``alice@example.com``, ``mailto:`` addresses included."""
    for m in _EMAIL.finditer(text):
        yield Finding("email", m.start(), m.end(), m.group().lower())


def ipv4(text: str) -> Iterator[Finding]:
    """Dotted quads, each octet 0-255, not part of a longer dotted number or a version."""
    for m in _IPV4.finditer(text):
        if _VERSION_BEFORE.search(text[max(0, m.start() - 12):m.start()]):
            continue
        yield Finding("ipv4", m.start(), m.end(), m.group())


def ipv6(text: str) -> Iterator[Finding]:
    """IPv6 addresses as ``ipaddress`` reads them (times such as ``14:07:00`` are not)."""
    for m in _IPV6.finditer(text):
        candidate = m.group()
        if candidate.count(":") < 2:
            continue
        try:
            address = ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield Finding("ipv6", m.start(), m.end(), address.compressed)


# -- numbers --------------------------------------------------------------------------------
_CARD = re.compile(r"(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w-]|\.\d)")
# Issuer prefixes (Visa, Mastercard, Amex, Diners, JCB, Discover, UnionPay, Maestro): a
# Luhn-valid counter or epoch in milliseconds (which starts with 1) is not a card.
_CARD_PREFIX = re.compile(r"4|5[0-9]|2[2-7]|3[0478569]|6")


def luhn_valid(digits: str) -> bool:
    """The Luhn check digit of a card number holds."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        number = int(char)
        if index % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


def cards(text: str) -> Iterator[Finding]:
    """13-19 digit card numbers (spaces or dashes between groups), issuer prefix and Luhn."""
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _CARD_PREFIX.match(digits) and luhn_valid(digits):
            yield Finding("card", m.start(), m.end(), digits)


def phones(text: str, region: str | None = "US") -> Iterator[Finding]:
    """Phone numbers libphonenumber calls valid; ``+`` international ones in any region,
    national ones in ``region``. A bare run of digits (an id, a date) is never one."""
    if not any(c.isdigit() for c in text):
        return
    for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        raw = m.raw_string
        if raw.isdigit():
            continue
        number = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
        yield Finding("phone", m.start, m.end, number)


# -- tokens and keys ------------------------------------------------------------------------
_JWT = re.compile(r"(?<![\w-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+([A-Za-z0-9._~+/-]{8,}=*)")
_URL_CREDENTIALS = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://([^\s:/@?#<>\"']+:[^\s/@?#<>\"']*)@")
_AWS_ACCESS_KEY = re.compile(
    r"(?<![A-Za-z0-9])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)"
    r"[A-Z0-9]{16}(?![A-Za-z0-9])")
_GCP_API_KEY = re.compile(r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])")
_GCP_KEY_ID = re.compile(r"""(?i)["']?private_key_id["']?\s*[:=]\s*["']?([0-9a-f]{40})\b""")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----",
    re.DOTALL)


def _b64json(segment: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError):
        return None


def jwts(text: str) -> Iterator[Finding]:
    """JSON Web Tokens: three base64url parts whose first decodes to a JSON header."""
    for m in _JWT.finditer(text):
        if isinstance(_b64json(m.group().split(".")[0]), dict):
            yield Finding("jwt", m.start(), m.end(), m.group())


def bearer_tokens(text: str) -> Iterator[Finding]:
    """The credential after ``Bearer`` or ``Basic`` (``Authorization: Bearer abc123...``)."""
    for m in _BEARER.finditer(text):
        token = m.group(2)
        if token.isalpha():
            continue  # "Bearer authentication", "basic troubleshooting"
        if m.group(1).lower() == "basic":
            try:
                if b":" not in base64.b64decode(token, validate=True):
                    continue
            except (binascii.Error, ValueError):
                continue
        yield Finding("bearer", m.start(2), m.end(2), token)


def url_credentials(text: str) -> Iterator[Finding]:
    """``user:password`` in a URL (``https://bob:hunter2@db.internal/``)."""
    for m in _URL_CREDENTIALS.finditer(text):
        yield Finding("url_credentials", m.start(1), m.end(1), m.group(1))


def cloud_keys(text: str) -> Iterator[Finding]:
    """AWS access key ids, GCP API keys and service-account key ids, PEM private keys (the
    ``private_key`` of a GCP service-account file), with or without escaped newlines."""
    for m in _AWS_ACCESS_KEY.finditer(text):
        yield Finding("aws_key", m.start(), m.end(), m.group())
    for m in _GCP_API_KEY.finditer(text):
        yield Finding("gcp_key", m.start(), m.end(), m.group())
    for m in _GCP_KEY_ID.finditer(text):
        yield Finding("gcp_key", m.start(1), m.end(1), m.group(1).lower())
    for m in _PRIVATE_KEY.finditer(text):
        yield Finding("private_key", m.start(), m.end(), m.group())


# -- values in key positions ----------------------------------------------------------------
# key = value, key: value, "key": "value", key => value; the key may carry a prefix
# (db_password, AWS_SECRET_ACCESS_KEY, x-api-key) but must end in one of these words.
_SECRET_WORDS = (r"passw(?:or)?d|pwd|passphrase|secret|token|api[_-]?key|apikey|access[_-]?key"
                 r"|secret[_-]?key|private[_-]?key|auth[_-]?key|credentials?")
_ENTROPY_WORDS = (r"key|sig|signature|auth|session(?:[_-]?id)?|sid|cookie|nonce|hmac|salt"
                  r"|[_-]id[_-]?token")
_VALUE = (r"""\s*(?:=>|:=|=|:)\s*"""
          r"""(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<bare>[^\s"',;&|<>()\[\]{}`]+))""")
_SECRET_PAIR = re.compile(
    rf"""(?i)(?<![\w-])["']?[\w.-]*?(?:{_SECRET_WORDS})["']?{_VALUE}""")
_ENTROPY_PAIR = re.compile(
    rf"""(?i)(?<![\w-])["']?[\w.-]*?(?:{_ENTROPY_WORDS})["']?{_VALUE}""")
# What a log writes where the secret was already hidden, or a flag's value.
_PLACEHOLDER = re.compile(
    r"(?i)^(?:true|false|yes|no|on|off|null|none|nil|undefined|empty|redacted|masked|hidden"
    r"|\*+|x{3,}|\.{3,}|<[^>]*>|\[[^\]]*\]|\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|%s|\{\{[^}]*\}\}"
    r"|required|missing|invalid|expired|rotated|changed|set|unset)$")


def _pair_value(m: re.Match[str]) -> tuple[int, int, str] | None:
    for group in ("dq", "sq", "bare"):
        value = m.group(group)
        if value is not None:
            start = m.start(group)
            if group == "bare":
                value = value.rstrip(".:!?")  # the end of a sentence, not of the value
            return start, start + len(value), value
    return None  # pragma: no cover - the pattern always has one group


def keyword_values(text: str) -> Iterator[Finding]:
    """The value after a key naming a credential: ``password=``, ``secret:``, ``token=``,
    ``api_key``, ``"client_secret": "..."`` (placeholders such as ``***`` or ``null`` and
    values under 4 characters are left alone)."""
    for m in _SECRET_PAIR.finditer(text):
        span = _pair_value(m)
        if span is None:
            continue
        start, end, value = span
        if len(value) < 4 or _PLACEHOLDER.match(value):
            continue
        yield Finding("secret", start, end, value)


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value``."""
    if not value:
        return 0.0
    counts = {c: value.count(c) for c in set(value)}
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


_HEX = re.compile(r"[0-9a-fA-F]+")


def high_entropy(value: str) -> bool:
    """A random-looking string (detect-secrets' limits): 16+ characters, letters and digits
    mixed, and at least 3.0 bits per character for hex or 3.5 for anything else."""
    if len(value) < 16 or not (any(c.isdigit() for c in value) and
                               any(c.isalpha() for c in value)):
        return False
    limit = 3.0 if _HEX.fullmatch(value) else 3.5
    return shannon_entropy(value) >= limit


def key_position_values(text: str) -> Iterator[Finding]:
    """A high-entropy value after a key that names a key, signature, session or cookie
    (``cache_key=9f86d08...``, ``sig: Zx8...``): random strings elsewhere (trace ids) stay."""
    for m in _ENTROPY_PAIR.finditer(text):
        span = _pair_value(m)
        if span is not None and high_entropy(span[2]):
            yield Finding("high_entropy", *span)


# -- identities -----------------------------------------------------------------------------
def identity_pattern(identities: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for the user ids of an events frame, longest first, as whole words.

    Ids shorter than 3 characters (``"1"``, ``"ab"``) would match everywhere and are left
    out; so are ids that are nothing but digits under 5 long (a status code, a port).
    """
    ids = sorted({i.strip() for i in identities if isinstance(i, str)} - {""},
                 key=lambda i: (-len(i), i))
    ids = [i for i in ids if len(i) >= 3 and not (i.isdigit() and len(i) < 5)]
    if not ids:
        return None
    return re.compile(r"(?<![\w@.+-])(?:" + "|".join(map(re.escape, ids)) + r")(?![\w@-]|\.\w)")


def identity_finder(pattern: re.Pattern[str] | None) -> Detector:
    """A detector of the ids ``pattern`` matches (see :func:`identity_pattern`)."""
    def find(text: str) -> Iterator[Finding]:
        if pattern is None:
            return
        for m in pattern.finditer(text):
            yield Finding("user", m.start(), m.end(), m.group())
    return find


# -- all together ---------------------------------------------------------------------------
#: The detectors of every kind but user ids (which need the events) and phones (a region).
PATTERN_DETECTORS: tuple[Detector, ...] = (
    emails, ipv4, ipv6, cards, jwts, bearer_tokens, url_credentials, cloud_keys,
    keyword_values, key_position_values)


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Findings that do not overlap, left to right: of two that do, the one starting first
    wins, then the longer, then the more specific kind (a JWT over a ``token=`` value)."""
    ordered = sorted(findings, key=lambda f: (f.start, -(f.end - f.start), _PRIORITY[f.kind]))
    kept: list[Finding] = []
    for finding in ordered:
        if finding.end <= finding.start:
            continue
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept


def detect(text: str, detectors: Iterable[Detector]) -> list[Finding]:
    """Every finding of ``detectors`` in ``text``, overlaps resolved, left to right."""
    return resolve_overlaps(f for detector in detectors for f in detector(text))
