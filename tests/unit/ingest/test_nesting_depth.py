"""The nesting-depth scan that keeps deep JSON away from the parsers (``ingest.limits``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from postmortem_kit.ingest.limits import deep_lines, first_too_deep, nesting_depth

GOOD = '{"ts": "2026-03-12T13:00:00Z", "msg": "ok"}'


def nested(kind: str, depth: int) -> str:
    if kind == "arrays":
        return "[" * depth + "]" * depth
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize(("text", "depth"), [
    (b"{}", 1), (b'{"a": [1, {"b": 2}]}', 3), (b'{"s": "[[[[{{{{"}', 1),
    (b'{"s": "\\"[[[["}', 1), (b'{"s": "\\\\", "t": [[1]]}', 3), (b'"x"', 0),
    (b"[[[", 3), (b"]]]", 0),
])
def test_nesting_depth_ignores_brackets_inside_strings(text, depth):
    assert nesting_depth(text) == depth
    if depth:  # the reference: Python's own parser, on the well-formed ones
        try:
            obj = json.loads(text)
        except ValueError:
            return
        assert _depth(obj) == depth


def _depth(obj) -> int:
    if isinstance(obj, dict):
        return 1 + max((_depth(v) for v in obj.values()), default=0)
    if isinstance(obj, list):
        return 1 + max((_depth(v) for v in obj), default=0)
    return 0


def test_deep_lines_finds_only_lines_deeper_than_the_limit():
    lines = [GOOD, nested("arrays", 6), '{"s": "' + "[" * 50 + '"}', nested("objects", 5),
             "{" * 7]
    data = ("\n".join(lines) + "\n").encode()
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    assert deep_lines(data, ends, 5).tolist() == [1, 4]


def test_first_too_deep_points_at_the_first_bracket_beyond_the_limit():
    text = '{"s": "[[[[", "a": [[["é"]]]}'
    assert first_too_deep(text, 3) == text.index("é") - 2  # the third [ of the array
    assert first_too_deep(text, 4) == len(text)
