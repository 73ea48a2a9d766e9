"""``read_events`` on random bytes and on mutated real logs, for the line formats.

Seeds: the files of ``tests/data/ingest/`` and, when the shared samples are beside the
repository, the lnav test logs and the loghub samples (their first lines). A mutation
inserts, deletes or replaces bytes, duplicates or drops lines, or truncates. Whatever
comes out, three things hold:

(a) nothing but :class:`~postmortem_kit.errors.IngestError` is raised;
(b) every non-blank line is accounted for once: accepted (as the first line of a record,
    or inside a text record's span) or rejected;
(c) what is accepted is what the source says, checked against readers written here
    independently of the loaders (``json.loads``, a small logfmt tokenizer, ``strptime``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem_kit.errors import IngestError
from postmortem_kit.ingest import read_events
from postmortem_kit.ingest.records.fields import CANDIDATES
from postmortem_kit.ingest.records.pairs import split_line
from tests.unit.ingest.reference import PIECES, expected_lines

HERE = Path(__file__).resolve()
DATA = HERE.parents[2] / "data" / "ingest"
SHARED = HERE.parents[4] / "shared" / "samples"
SEED_LINES = 30


def _seeds() -> list[bytes]:
    paths = sorted(p for p in DATA.iterdir() if p.is_file())
    if SHARED.is_dir():
        paths += sorted(p for p in (SHARED / "lnav").glob("logfile_*") if p.is_file())
        paths += sorted((SHARED / "loghub").glob("*/*.log"))
    out = []
    for p in paths:
        lines = p.read_bytes().split(b"\n")[:SEED_LINES]
        out.append(b"\n".join(lines) + b"\n")
    return out


SEEDS = _seeds()
MESSAGE_KEYS = ("message", "msg", "@message", "event", "text", "log")
TIME_KEYS = ("timestamp", "@timestamp", "ts", "time", "datetime", "date", "t", "eventTime",
             "asctime", "created_at")


# Source fields that may be renamed or replaced (schema names, their usual spellings, the
# frame's own columns): their values are checked through the schema columns instead.
RENAMED = {n for names in CANDIDATES.values() for n in names} | set(CANDIDATES) | {
    "source", "kind", "line", "timestamp"}


# -- inputs -------------------------------------------------------------------------------
@st.composite
def mutated(draw) -> bytes:
    data = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup", "drop", "truncate"]))
        lines = data.split(b"\n")
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "insert":
            data = data[:at] + draw(st.one_of(st.binary(max_size=8),
                                              st.sampled_from([*PIECES, b"\n", b'"', b"="]))
                                    ) + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 20)):]
        elif op == "replace" and data:
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
        elif op in ("dup", "drop") and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines[i:i + 1] = [lines[i]] * (2 if op == "dup" else 0)
            data = b"\n".join(lines)
        elif op == "truncate":
            data = data[:at]
    return data


# Values loaders must read exactly or reject: times in many spellings, numbers at the
# edges of int64 and float64, nesting, text with quotes and escapes.
TIMES = st.one_of(
    st.sampled_from(["2026-03-12T13:00:00Z", "2026-03-12T13:00:6-06", "2026-03-12 13:00:00",
                     "2026-03-12T13:00:00.123456789+05:30", "0001-01-01T00:00:00Z", "-1",
                     "1773320400", "1773320400123", "1773320400.5", "2024", "13:00:00",
                     "Thu, 12 Mar 2026 13:00:00 GMT", "", " ", "null", "1e300"]),
    st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=dt.datetime(1, 1, 1)).map(lambda d: d.isoformat() + "Z"),
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("abc"), inner, max_size=3)),
    max_leaves=8)
KEYS = st.sampled_from(["msg", "message", "level", "status", "latency_ms", "id", "user",
                        "service", "source", "line", "kind", "http.status", "a.b", "ts"])


@st.composite
def json_lines(draw) -> bytes:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        record = {"ts": draw(TIMES)} if draw(st.integers(0, 9)) else {}
        record.update(draw(st.dictionaries(KEYS, VALUES, max_size=5)))
        line = json.dumps(record, ensure_ascii=draw(st.booleans()), allow_nan=True)
        depth = draw(st.sampled_from([0, 0, 0, 99, 101, 3000]))
        if depth:
            line = line[:-1] + (", " if len(record) else "") + '"deep": ' + "[" * depth \
                + "]" * depth + "}"
        out.append(line)
    return ("\n".join(out) + "\n").encode()


@st.composite
def logfmt_lines(draw) -> bytes:
    token = st.one_of(
        st.tuples(KEYS, st.text(alphabet='ab =\\"\t\u00a0\u2028é', max_size=6)).map(
            lambda kv: f"{kv[0]}={json.dumps(kv[1])}"),
        st.tuples(KEYS, st.text(alphabet="ab=:/.-é", max_size=6)).map(lambda kv: "=".join(kv)),
        st.tuples(st.just("ts"), TIMES.map(str)).map(lambda kv: f"{kv[0]}={kv[1]}"),
        st.sampled_from(['"', 'msg="cut', "word", '"quoted words"', "=", 'a="x"y', "k==v"]),
    )
    lines = draw(st.lists(st.lists(token, max_size=6).map(" ".join), min_size=1, max_size=10))
    return ("\n".join(lines) + "\n").encode()


inputs = st.one_of(mutated(), mutated(), mutated(), st.binary(max_size=600),
                   st.lists(st.sampled_from([*PIECES, b"\n", b"{", b"}", b'"', b"=", b"ts=1"]),
                            max_size=60).map(b"".join), json_lines(), logfmt_lines())


def run(tmp_path: Path, data: bytes, fmt: str) -> pd.DataFrame | None:
    path = tmp_path / "evidence.log"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return read_events(path, format=fmt, year=2026, progress=False)
        except IngestError:
            return None  # (a): the one exception allowed


def compressed(data: bytes) -> bool:
    """gzip/bz2/zstd/xz magic: the reader decompresses (``ingest/files/decompress.py``), so
    lines are not the bytes'."""
    return data.startswith((b"\x1f\x8b", b"BZh", b"\x28\xb5\x2f\xfd", b"\xfd7zXZ\x00"))


def source_lines(data: bytes) -> list[str | None]:
    """Line texts as the file gives them (None: undecodable, rejected by the reader)."""
    return expected_lines(data)[0]


def must_account(texts: list[str | None]) -> set[int]:
    return {n for n, t in enumerate(texts, start=1) if t is None or t.strip()}


def check_one_line_per_record(ev: pd.DataFrame, texts: list[str | None],
                              folded: dict[int, list[tuple[int, str]]] | None = None
                              ) -> None:
    """(b) for formats where a record is one line (``folded``: record line -> the lines of
    text folded onto it, which are neither records nor rejected)."""
    accepted = ev["line"].tolist()
    rejected = [r for r in ev.attrs["rejected"]["line"].tolist() if not pd.isna(r)]
    assert len(accepted) == len(set(accepted)), "a line accepted twice"
    assert len(rejected) == len(set(rejected)), "a line rejected twice"
    assert not set(accepted) & set(rejected), "a line both accepted and rejected"
    continuations = {n for lines in (folded or {}).values() for n, _ in lines}
    assert set(accepted) | set(rejected) | continuations == must_account(texts)


def check_folded_text(ev: pd.DataFrame, texts: list[str | None]
                      ) -> dict[int, list[tuple[int, str]]]:
    """JSON lines: each line neither a record nor rejected is text (no attempt at JSON)
    at the end of the message of the nearest record above it. Returns record line -> the
    lines (number, text) folded onto it, in order."""
    accepted = sorted(ev["line"].tolist())
    rejected = {r for r in ev.attrs["rejected"]["line"].tolist() if not pd.isna(r)}
    messages = dict(zip(ev["line"], ev["message"], strict=True))
    folded: dict[int, list] = {}
    for n, text in enumerate(texts, start=1):
        if n in rejected or n in messages or text is None or not text.strip():
            continue
        assert not text.lstrip().startswith(("{", "[")), (n, text)
        above = [line for line in accepted if line < n]
        assert above, f"line {n} folded onto no record"
        folded.setdefault(above[-1], []).append((n, text))
    for line, lines in folded.items():
        extra = "\n".join(text for _, text in lines).rstrip("\n")
        assert str(messages[line]).endswith(extra), (line, lines)
    return folded


# -- independent readers (c) --------------------------------------------------------------
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?)?"
    r"\s*(Z|z|[+-]\d{1,2}(?::?\d\d)?)?)?$")


def ref_time(value) -> pd.Timestamp | None:
    """A time field read by rules written out here: epoch numbers (unit by magnitude) and
    ISO 8601-like text; None for anything else (then only the year is compared)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(
            r"[+-]?\d{9,19}(?:\.\d+)?", value.strip())):
        number = float(value) if not isinstance(value, int) else value
        if isinstance(value, str) and "." not in value:
            number = int(value)
        magnitude = abs(number)
        unit_us = 1e6 if magnitude < 1e11 else 1e3 if magnitude < 1e14 else 1 if (
            magnitude < 1e17) else 1e-3
        if isinstance(number, int):
            us = number * int(unit_us) if unit_us >= 1 else number // 1000
        else:
            us = round(number * unit_us)
        return pd.Timestamp(us, unit="us", tz="UTC")
    m = _ISO.match(str(value).strip())
    if not m:
        return None
    y, mo, d, h, mi, s, frac, zone = m.groups()
    try:
        t = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0),
                        int((frac or "0")[:6].ljust(6, "0")))
    except ValueError:
        return None
    if zone and zone not in "Zz":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (
            int(digits), 0)
        t -= sign * dt.timedelta(hours=hours, minutes=minutes)
    return pd.Timestamp(t, tz="UTC")


def same_time(value, got: pd.Timestamp) -> bool:
    want = ref_time(value)
    if want is None:  # a spelling this reader does not know: its year must be written
        return str(got.year) in str(value)
    return want == got


def same_value(source, text: str) -> bool:
    """Whether ``text`` (a text column's value) is the JSON value ``source``: strings as
    they are, numbers by value, anything else by its JSON spelling."""
    if isinstance(source, str):
        return source == text
    if isinstance(source, int | float) and not isinstance(source, bool):
        try:
            return float(text) == source or text == str(source)
        except ValueError:
            return False
    return text == json.dumps(source, ensure_ascii=False)


def flat(obj: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in obj.items():
        if isinstance(v, dict) and v:
            out.update(flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def ref_logfmt(body: str) -> tuple[dict, list] | None:
    """key=value pairs and keyless words of a logfmt body, None when a quote is out of
    place; a character-by-character reading of the grammar in ``formats/logfmt.py``."""
    pairs, words, i, n = {}, [], 0, len(body)

    def closing(j: int) -> int:  # index of the quote closing the one at j, or -1
        k = j + 1
        while k < n:
            if body[k] == "\\":
                k += 2
                continue
            if body[k] == '"':
                return k
            k += 1
        return -1

    def bare_end(j: int) -> int | None:  # end of a bare run, None if a quote interrupts it
        while j < n and not body[j].isspace() and body[j] != '"':
            j += 1
        return None if j < n and body[j] == '"' else j

    while i < n:
        if body[i].isspace():
            i += 1
            continue
        j = i
        while j < n and not body[j].isspace() and body[j] not in '="':
            j += 1
        if j < n and body[j] == "=" and j > i:
            key, j = body[i:j], j + 1
            if j < n and body[j] == '"':
                end = closing(j)
                if end < 0 or (end + 1 < n and not body[end + 1].isspace()):
                    return None
                pairs[key], i = unquote(body[j:end + 1]), end + 1
            else:
                end = bare_end(j)
                if end is None:
                    return None
                pairs[key], i = body[j:end], end
        elif body[i] == '"':
            end = closing(i)
            if end < 0 or (end + 1 < n and not body[end + 1].isspace()):
                return None
            words.append(body[i:end + 1])
            i = end + 1
        else:
            end = bare_end(i)
            if end is None:
                return None
            words.append(body[i:end])
            i = end
    return pairs, words


def unquote(value: str) -> str:
    try:
        text = json.loads(value)
        text.encode("utf-8")
        return text
    except (ValueError, UnicodeEncodeError):
        return value[1:-1]


_FRAMED = re.compile(r"^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s+"
                     r"(?:[\w.-]+(?:\[[^\]]+\])?:\s+)?(.*)$")


# -- the properties -----------------------------------------------------------------------
# FUZZ_EXAMPLES=2000 for a longer hunt; the default keeps the file under a minute.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "120")), deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(data=inputs)
def test_jsonl(tmp_path, data):
    ev = run(tmp_path, data, "jsonl")
    if ev is None or compressed(data):
        return
    texts = source_lines(data)
    folded = check_folded_text(ev, texts)
    check_one_line_per_record(ev, texts, folded)
    for row in ev.to_dict("records"):
        text = texts[row["line"] - 1]
        if not text.lstrip().startswith(("{", "[")):  # a logfmt line with a time
            pairs = split_line(text)[0]
            assert any(same_time(pairs[k], row["timestamp"]) for k in TIME_KEYS if k in pairs)
            continue
        if folded.get(row["line"]):  # (the message without the lines folded onto it)
            extra = "\n" + "\n".join(t for _, t in folded[row["line"]]).rstrip("\n")
            row["message"] = row["message"][:-len(extra)] if row["message"].endswith(
                extra) and row["message"] != extra[1:] else pd.NA
        obj = json.loads(text)
        fields = flat(obj)
        times = [fields[k] for k in TIME_KEYS if k in fields]
        if not times:  # no usual name: a field named like a time, or log4j2's pair, is it
            times = [*fields.values(), *(
                fields[k] + fields[k[:-len("epochSecond")] + "nanoOfSecond"] / 1e9
                for k in fields if k.endswith("epochSecond") and isinstance(fields[k], int)
                and isinstance(fields.get(k[:-len("epochSecond")] + "nanoOfSecond"), int))]
        assert any(same_time(t, row["timestamp"]) for t in times), (fields, row["timestamp"])
        message = row["message"]
        if isinstance(message, str):
            candidates = [fields[k] for k in (*MESSAGE_KEYS, "message_raw") if k in fields]
            assert any(same_value(v, message) for v in candidates) or any(
                isinstance(v, str) and v == message for v in fields.values()), (fields, message)
        for column, value in row.items():
            if column in fields and isinstance(fields[column], int) and not isinstance(
                    fields[column], bool) and column not in RENAMED:
                if not pd.isna(value):  # integers kept exactly, as numbers or as text
                    assert str(value) == str(fields[column]) or (
                        isinstance(value, float) and value == fields[column]
                        and abs(fields[column]) <= 2**53), (column, value, fields[column])


@FUZZ
@given(data=inputs)
def test_logfmt(tmp_path, data):
    ev = run(tmp_path, data, "logfmt")
    if ev is None or compressed(data):
        return
    texts = source_lines(data)
    check_one_line_per_record(ev, texts)
    for row in ev.to_dict("records"):
        line = texts[row["line"] - 1]
        framed = _FRAMED.match(line)
        body = framed.group(2) if framed else line
        parsed = ref_logfmt(body)
        assert parsed is not None, f"accepted a line with a quote out of place: {line!r}"
        pairs, words = parsed
        times = [pairs[k] for k in TIME_KEYS if k in pairs] or (
            [framed.group(1)] if framed else [])
        assert any(same_time(t, row["timestamp"]) for t in times), (line, row["timestamp"])
        present = [pairs[k] for k in MESSAGE_KEYS if k in pairs]
        assert row["message"] in (present or [body]), (line, row["message"])
        if words:
            assert row["extra"] == " ".join(words)


_ACCESS_TIME = re.compile(r"\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\]")


@FUZZ
@given(data=inputs)
def test_access(tmp_path, data):
    ev = run(tmp_path, data, "access")
    if ev is None or compressed(data):
        return
    texts = source_lines(data)
    check_one_line_per_record(ev, texts)
    for row in ev.to_dict("records"):
        line = texts[row["line"] - 1]
        stamp = _ACCESS_TIME.search(line)
        assert stamp, line
        want = dt.datetime.strptime(stamp.group(1), "%d/%b/%Y:%H:%M:%S %z")
        assert row["timestamp"] == pd.Timestamp(want).tz_convert("UTC"), line
        assert f'"{row["message"]}"' in line
        after = line.split(f'"{row["message"]}" ', 1)[1]
        status = int(after.split(" ", 1)[0])
        assert (row["status"] == status) if 100 <= status <= 599 else pd.isna(row["status"])


@FUZZ
@given(data=inputs)
def test_syslog(tmp_path, data):
    ev = run(tmp_path, data, "syslog")
    if ev is None or compressed(data):
        return
    texts = source_lines(data)
    check_one_line_per_record(ev, texts)
    for row in ev.to_dict("records"):
        line = texts[row["line"] - 1]
        assert line.endswith(row["message"]) or line.endswith(
            " \ufeff" + row["message"]), (line, row["message"])
        ts = row["timestamp"]
        assert f"{ts.minute:02d}:{ts.second:02d}" in line or "+" in line or "-" in line[:40]


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _uncoloured(text: str) -> str:
    """A line without its ANSI colour codes, which the text format removes."""
    return _ANSI.sub("", text)


# docker compose's "web-1  | " and kubectl's "[pod/name] ": a program's name first
_PROGRAM = re.compile(r"^(?:([\w.\-]+)\s+\| ?|\[(pod/[^\]\s]+)\] )")


def _multiplexed(texts: list[str | None]) -> bool:
    lines = [t for t in texts if t is not None and t.strip()]
    return bool(lines) and sum(bool(_PROGRAM.match(t)) for t in lines) >= 0.8 * len(lines)


def _check_multiplexed(ev: pd.DataFrame, texts: list[str | None], starts: set[int]) -> None:
    """Each continuation line is on the record of its own program (the last one that
    program started before it), without the program prefix, in file order."""
    owner: dict[str, int] = {}
    expected: dict[int, list[str]] = {}
    for n, t in enumerate(texts, start=1):
        if t is None or not t.strip():
            continue
        m = _PROGRAM.match(t)
        program = (m.group(1) or m.group(2)) if m else None
        if n in starts:
            if program is not None:
                owner[program] = n
            continue
        if program is not None and program in owner:
            expected.setdefault(owner[program], []).append(t[m.end():])
    for row in ev.to_dict("records"):
        parts = row["message"].split("\n")
        first = texts[row["line"] - 1]
        assert first.endswith(parts[0]), (first, parts[0])
        assert parts[1:] == expected.get(row["line"], []), (row["message"], row["line"])


@FUZZ
@given(data=inputs)
def test_text(tmp_path, data):
    ev = run(tmp_path, data, "text")
    if ev is None or compressed(data):
        return
    texts = source_lines(data)
    accepted = ev["line"].tolist()
    rejected = [r for r in ev.attrs["rejected"]["line"].tolist() if not pd.isna(r)]
    assert len(accepted) == len(set(accepted)) and not set(accepted) & set(rejected)
    starts = sorted(set(accepted) | set(rejected))
    wanted = must_account(texts)
    if wanted:  # nothing before the first record vanishes: rejected, or the file's header
        header = [h for report in ev.attrs.get("layouts", {}).values()
                  for h in report.get("file_header", [])]
        first = starts[0] if starts else len(texts) + 1
        before = [n for n in sorted(wanted) if n < first]
        assert [_uncoloured(texts[n - 1]) for n in before] == header[:len(before)], (
            before[:3], header[:3])
    bounds = dict(zip(starts, [*starts[1:], len(texts) + 1], strict=False))
    undecodable = {n for n, t in enumerate(texts, start=1) if t is None}
    if _multiplexed(texts):
        _check_multiplexed(ev, texts, set(starts))
        return
    for row in ev.to_dict("records"):
        first = row["line"]
        span = [n for n in range(first + 1, bounds[first])
                if n not in undecodable and texts[n - 1].strip()]
        parts = row["message"].split("\n")
        following = [_uncoloured(texts[n - 1]) for n in span]
        if span and parts == following:
            continue  # the first line's message is empty: the record's text is what follows
        assert _uncoloured(texts[first - 1]).endswith(parts[0]), (texts[first - 1], parts[0])
        assert parts[1:] == following, (row["message"], span)


@FUZZ
@given(data=inputs, fmt=st.sampled_from(["csv", "auto"]))
def test_csv_and_auto(tmp_path, data, fmt):
    ev = run(tmp_path, data, fmt)
    if ev is None:
        return
    accepted = [n for n in ev["line"].tolist() if not pd.isna(n)]
    rejected = [r for r in ev.attrs["rejected"]["line"].tolist() if not pd.isna(r)]
    assert all(1 <= n <= data.count(b"\n") + 1 for n in accepted + rejected)
    if fmt == "csv":  # (auto may pick a format with several events per row: PagerDuty's)
        assert len(accepted) == len(set(accepted)) and not set(accepted) & set(rejected)


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared samples are not beside the repo")
def test_the_shared_samples_are_seeds():
    assert len(SEEDS) > len(list(DATA.iterdir())) + 40
