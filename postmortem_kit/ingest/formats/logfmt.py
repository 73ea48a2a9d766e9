"""``logfmt``: ``key=value`` lines (Go kit, logrus text, Heroku router, Grafana Loki...).

Also reads the Heroku / logplex framing, where each line starts with a timestamp and a
``process[dyno]:`` tag before the pairs::

    2024-05-01T10:00:00.123456+00:00 heroku[router]: at=error code=H12 status=503 service=30000ms

There ``at`` is the level, the tag becomes ``service`` (``heroku``) and ``dyno``, and the
router's ``service=30000ms`` (a duration, not a service name) becomes ``latency_ms``.

A line is a sequence of ``key=value`` pairs separated by blanks; a value is bare (no blank,
no quote) or double-quoted with backslash escapes (JSON's), and ends at a blank or the end
of the line. Words without a key are kept, space-separated, in ``extra``; a record without
a message field keeps its whole text as the message, so nothing the line said is lost. A
line with no pair and no framing is rejected, and so is one with a quote that does not
close (``msg="cut``) or text glued to a closing quote (``a="x"y``): it cannot be split
into values without guessing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from postmortem_kit.ingest.files.blocks import iter_lines
from postmortem_kit.ingest.records.batches import RecordTables
from postmortem_kit.ingest.records.fields import CANDIDATES
from postmortem_kit.ingest.records.pairs import parse_pairs, split_line
from postmortem_kit.ingest.registry import LoadContext, register
from postmortem_kit.ingest.times import OFFSET

_FRAMED = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?" + OFFSET + r"?)\s+"
    r"(?:(?P<proc>[\w.-]+)(?:\[(?P<dyno>[^\]]+)\])?:\s+)?(?P<rest>.*)$"
)
_DURATION = re.compile(r"^\d+(?:\.\d+)?ms$")
_BATCH_LINES = 200_000
_WHOLE_LINE = "\x00line"  # a key no logfmt line can contain


def _parse_line(text: str) -> tuple[dict[str, str] | None, str]:
    """``(record, "")`` or ``(None, reason)``."""
    framed = _FRAMED.match(text)
    body = framed.group("rest") if framed else text
    pairs, words, bad = split_line(body)
    if bad is not None:
        return None, f"unterminated or misplaced quote in {bad[:80]!r}"
    if _DURATION.match(pairs.get("service", "")):
        # Heroku's router says ``service=30ms`` for the time spent in the app: a latency.
        pairs["service_time"] = pairs.pop("service")
        pairs.setdefault("latency_ms", pairs["service_time"][:-2])
    if framed:
        if not any(k in pairs for k in CANDIDATES["timestamp"]):
            pairs["ts"] = framed.group("ts")
        if framed.group("proc"):
            pairs.setdefault("service", framed.group("proc"))
            if framed.group("dyno"):
                pairs.setdefault("dyno", framed.group("dyno"))
    elif not pairs:
        return None, "not logfmt: no key=value pair"
    if "at" in pairs and not any(k in pairs for k in CANDIDATES["level"]):
        pairs["level"] = pairs.pop("at")  # Heroku: at=info / at=error
    if not any(k in pairs for k in CANDIDATES["message"]):
        pairs[_WHOLE_LINE] = body
    if words:
        pairs.setdefault("extra", " ".join(words))
    return pairs, ""


def sniff(path: Path, head: str) -> float:
    """Half or more of the first lines are mostly ``key=value`` pairs: 0.9 to 0.95.

    The pairs are worth more than any framing around them (Heroku's logplex lines also
    look like syslog), so a logfmt file with a time outranks the line-prefix formats.
    """
    lines = [ln for ln in head.splitlines()[:50] if ln.strip()]
    if len(head) >= 60_000 and len(lines) > 1:
        lines = lines[:-1]  # the head may cut the last line
    if not lines or lines[0].lstrip().startswith(("{", "[")):
        return 0.0
    good = 0
    timed = False
    for ln in lines:
        framed = _FRAMED.match(ln)
        body = framed.group("rest") if framed else ln
        pairs = parse_pairs(body)
        covered = sum(len(k) + len(v) + 1 for k, v in pairs.items())
        # A text log line with one "user=bob" in it is not logfmt: the pairs must be most
        # of the line, and there must be several of them.
        if len(pairs) >= 2 and covered >= 0.5 * len(body.strip()):
            good += 1
            timed = timed or framed is not None or any(
                k in pairs for k in CANDIDATES["timestamp"])
    ratio = good / len(lines)
    if ratio < 0.5:
        return 0.0
    return 0.85 + 0.1 * ratio if timed else 0.5


@register("logfmt", sniff=sniff, kind="log")
def load(path: Path, ctx: LoadContext) -> pd.DataFrame:
    """Read a logfmt file (see the module docstring)."""
    name = str(path)
    records = RecordTables(name, ctx)
    rows: list[dict] = []
    numbers: list[int] = []
    texts: dict[int, str] = {}

    def flush() -> None:
        records.add_rows(rows, numbers, texts.__getitem__)
        rows.clear()
        numbers.clear()
        texts.clear()

    for number, text in iter_lines(path, ctx):
        if not text.strip():
            continue
        record, problem = _parse_line(text)
        if record is None:
            ctx.rejects.add(name, number, problem, text)
            continue
        rows.append(record)
        numbers.append(number)
        texts[number] = text
        if len(rows) >= _BATCH_LINES:
            flush()
    flush()
    df = records.frame()
    if _WHOLE_LINE in df:
        whole = df.pop(_WHOLE_LINE)
        df["message"] = df["message"].fillna(whole) if "message" in df else whole
    return df
