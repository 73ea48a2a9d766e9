"""The ``key=value`` pairs of a logfmt line: the tokenizer of the ``logfmt`` format, also
used to read a logfmt line met among the records of a JSON-lines file.

A line is a sequence of ``key=value`` pairs separated by blanks; a value is bare (no blank,
no quote) or double-quoted with backslash escapes (JSON's), and ends at a blank or the end
of the line. Words without a key are returned apart.
"""

from __future__ import annotations

import json
import re

# Every non-blank character of a line belongs to one token: a pair (groups 1, 2), a word
# or quoted text without a key (3), or anything else (4: a quote out of place).
_TOKEN = re.compile(r'''
    ([^\s="]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?=\s|$)
  | ("(?:[^"\\]|\\.)*"|[^\s"]+)(?=\s|$)
  | (\S+)
''', re.VERBOSE)


def parse_pairs(text: str) -> dict[str, str]:
    """The ``key=value`` pairs of one logfmt line, quoted values unescaped.

    >>> parse_pairs('level=warn msg="disk \\\\"sda\\\\" 91% full" free=9.1G')
    {'level': 'warn', 'msg': 'disk "sda" 91% full', 'free': '9.1G'}
    """
    return split_line(text)[0]


def split_line(text: str) -> tuple[dict[str, str], list[str], str | None]:
    """``(pairs, words, problem)`` of one logfmt line: the pairs (quoted values unescaped;
    a key given twice keeps its last value), the words outside any pair, and the first
    token that is neither (a quote out of place), or None."""
    pairs: dict[str, str] = {}
    words: list[str] = []
    for key, value, word, bad in _TOKEN.findall(text):
        if bad:
            return pairs, words, bad
        if word:
            words.append(word)
        else:
            pairs[key] = _unquote(value) if value.startswith('"') else value
    return pairs, words, None


def _unquote(value: str) -> str:
    try:
        text = json.loads(value)
        text.encode("utf-8")  # a lone surrogate (\ud800) is not text: keep the spelling
        return text
    except (ValueError, UnicodeEncodeError):  # Go's %q escapes are almost JSON
        return value[1:-1]
