"""Whatever text a Markdown (or JSON) postmortem holds, reading it ends quickly and either
gives a document or raises DocumentError: never a hang, never another exception.

Each parse runs under a SIGALRM deadline, which interrupts a Python loop (and a regular
expression: ``re`` checks for signals while it matches), so a hang fails its example and
hypothesis shrinks it to a small input. pytest-timeout guards each test as a whole.

The deadline grows linearly with the input (a CommonMark parser in pure Python reads some
tens of thousands of table rows or list items a second): reading must be linear, and a
quadratic step on inputs of this size (up to megabytes) would still take minutes.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from postmortem_kit.document import Postmortem
from postmortem_kit.document import layout as L
from postmortem_kit.document.importing import import_markdown
from postmortem_kit.document.io import read_document
from postmortem_kit.document.markdown_render import META_PREFIX
from postmortem_kit.errors import DocumentError, InputError

PER_EXAMPLE_SECONDS = 5.0  # a hang, not a slow machine: the tests share two cores
PER_MEGABYTE_SECONDS = 20.0
EXAMPLE_JSON = Path(__file__).resolve().parents[3] / "data" / "example-postmortem.json"
EXAMPLE = Postmortem.load(EXAMPLE_JSON)
EXAMPLE_MD = EXAMPLE.to_markdown()


class Overtime(Exception):
    """Raised into the parse by the alarm: it did not finish within the deadline."""


def _read_within(read, *args):
    """``read(*args)`` under a deadline; returns the Postmortem, the DocumentError (invalid
    fields) or the InputError (a file in no format we know: not UTF-8, not JSON)."""

    def ring(signum, frame):
        raise Overtime

    size = len(args[0]) if isinstance(args[0], str) else Path(args[0]).stat().st_size
    deadline = PER_EXAMPLE_SECONDS + PER_MEGABYTE_SECONDS * size / 1e6
    previous = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, deadline)
    try:
        result = read(*args)
    except (DocumentError, InputError) as exc:
        return exc
    except Overtime:
        pytest.fail(f"reading {size} characters did not finish within {deadline:.1f} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return result


def _document_of(outcome):
    document = outcome.document if hasattr(outcome, "placeholders") else outcome
    assert isinstance(document, Postmortem | DocumentError | InputError), type(outcome)
    if isinstance(document, DocumentError):
        assert document.problems, "a DocumentError must say what is wrong"
    if isinstance(document, InputError):
        assert str(document), "an InputError must say what is wrong"
    return document


# -- Markdown-ish text -------------------------------------------------------------------------

_HEADINGS = [f"{'#' * s.level} {name}" for s in L.LAYOUT for name in (s.heading, *s.aliases)]
_LABELS = [f"- **{b.label}**: " for s in L.LAYOUT for b in s.blocks if isinstance(b, L.Labeled)]
_TABLES = [row for s in L.LAYOUT for b in s.blocks if isinstance(b, L.Table)
           for row in (b.header, b.separator, b.placeholder_row)]
_PIECES = [
    *_HEADINGS, *_LABELS, *_TABLES, *L.placeholders(),
    "#", "# ", "## ", "###### ", " #", "<br>", "<BR/>", "<br", "<!--", "-->",
    f"{META_PREFIX} timezone=Europe/Berlin -->", f"{META_PREFIX} timezone=Nowhere/Else -->",
    f"{META_PREFIX} timezone=", "|", "| ", " |", "\\|", "||", "| --- |", "`", "``", "```",
    "~~~", "```python", "- ", "* ", "+ ", "1. ", "2) ", "**", "**Date**:", "**:", "\\", "&",
    "&#0;", "&#x110000;", "&amp;", "<sub>", "</sub>", "<sub>source: x</sub>",
    "<sub>provenance:", "[", "](", "](<", ">)", "<http://x>", "—", "–", "-", " to ", " - ",
    "(1h 2m)", "UTC", "+01:00", "2026-03-14", "14:07", "23:59:60", "0001-01-01T00:00:00Z",
    "9999-12-31", "March 14, 2026", "P1", "p5", "\n", "\n\n", "\r", "\r\n", "\t", " ",
    "\x00", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029", "\ufeff",
    "\u00a0", "\u200b", "\u202e", "ü", "日本", "🔥", "שלום", "\U0001f600\u200d",
]
_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))
# Long runs: a pattern that backtracks over a run is quadratic in it, which only shows when
# the run is long (50,000 blanks took a minute in the old heading pattern).
_long = st.builds(lambda piece, n: piece * n,
                  st.sampled_from(["x", "#", "|", "<br>", "\\", "`", "*", "- ", "&", " ", "\t",
                                   "**a", "(", ")", "w\n", "<sub>source: a</sub>", "\\|", "-"]),
                  st.integers(1_000, 50_000))
_fragment = st.one_of(st.sampled_from(_PIECES), st.sampled_from(_PIECES),
                      st.text(_chars, min_size=1, max_size=8), _long)
markdownish = st.lists(_fragment, max_size=40).map("".join)


def _mutate(draw, text: str) -> str:
    """``text`` with lines dropped, duplicated, swapped, cut and spliced."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["drop", "dup", "swap", "insert", "splice", "cut"]))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "drop" and len(lines) > 1:
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, draw(st.lists(_fragment, max_size=4).map("".join)))
        elif op == "splice":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at] + draw(_fragment) + lines[i][at:]
        elif op == "cut":
            at = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:at]
    return "\n".join(lines)


@st.composite
def mutated_example(draw) -> str:
    """The rendered example with lines dropped, duplicated, swapped, cut and spliced."""
    return _mutate(draw, EXAMPLE_MD)


def test_an_empty_title_is_an_error_on_its_line_not_an_endless_loop():
    outcome = _read_within(Postmortem.from_markdown, "# <br>\n", "r.md")
    assert isinstance(outcome, DocumentError)
    assert outcome.problems == [("line 1 (title)", "must not be empty (got '\\n')")]


_BLANKS = " " * 50_000
_DURATION = "# T\n## Incident Overview\n- **Date**: 2026-03-14\n- **Duration**: "


@pytest.mark.parametrize("text", [
    f"## Incident Overview{_BLANKS}x\n",
    f"# Title{_BLANKS}#x\n",
    f"{_DURATION}14:00{_BLANKS}x to 15:00\n",
    f"{_DURATION}14:00 to 15:00{_BLANKS}x\n",
], ids=["heading", "title", "duration-range", "duration-tail"])
def test_a_long_run_of_blanks_is_read_in_linear_time(text):
    _document_of(_read_within(Postmortem.from_markdown, text))


@pytest.mark.parametrize("text", [
    f"## Summary\n\nr{_BLANKS}x\n",
    f"## Summary\n\n**Owner{_BLANKS}x\n",
    f"## Summary\n\n- Owner{_BLANKS}** x\n",
], ids=["paragraph", "bold-label", "list-item"])
def test_importing_a_long_run_of_blanks_is_linear(text):
    """A paragraph line is tried as ``Label: value``; two adjacent optional runs of blanks
    in that pattern made it quadratic (15,000 characters took 25 s)."""
    _document_of(_read_within(_import, text, "auto"))


def test_the_rendered_example_reads_back_under_the_deadline():
    assert _read_within(Postmortem.from_markdown, EXAMPLE_MD) == EXAMPLE


# No "explain" phase: it traces every line run, which makes a parse many times slower than
# the deadline is meant for.
FUZZ = settings(deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.timeout(120)
@settings(FUZZ, max_examples=400)
@given(markdownish)
def test_markdownish_text_gives_a_document_or_a_document_error(text):
    _document_of(_read_within(Postmortem.from_markdown, text, "fuzz.md"))


@pytest.mark.timeout(120)
@settings(FUZZ, max_examples=300)
@given(mutated_example())
def test_a_mutated_example_gives_a_document_or_a_document_error(text):
    _document_of(_read_within(Postmortem.from_markdown, text, "fuzz.md"))


_SAMPLES = sorted((Path(__file__).resolve().parents[2] / "data" / "postmortems").glob("*/*.md"))


@st.composite
def mutated_sample(draw) -> str:
    """A sample in another layout with lines dropped, duplicated, swapped, cut and spliced."""
    return _mutate(draw, draw(st.sampled_from(_SAMPLES)).read_text(encoding="utf-8"))


def _import(text: str, layout: str):
    return import_markdown(text, layout=layout, source="fuzz.md")


@pytest.mark.timeout(120)
@settings(FUZZ, max_examples=300)
@given(st.one_of(markdownish, mutated_sample(), mutated_example()),
       st.sampled_from(["auto", "google-sre", "pagerduty", "atlassian", "short"]))
def test_importing_any_text_in_any_layout_gives_a_document_or_a_document_error(text, layout):
    _document_of(_read_within(_import, text, layout))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


_EXAMPLE_JSON_TEXT = EXAMPLE_JSON.read_text(encoding="utf-8")


@st.composite
def file_bytes(draw) -> tuple[str, bytes]:
    """A ``.md`` or ``.json`` file: fuzzed text in some encoding, or raw bytes."""
    suffix = draw(st.sampled_from([".md", ".json"]))
    if suffix == ".md":
        text = draw(st.one_of(markdownish, mutated_example()))
    else:
        at = draw(st.integers(0, len(_EXAMPLE_JSON_TEXT)))
        cut = draw(st.integers(0, 40))
        splice = draw(st.lists(st.sampled_from(['"', "[", "]", "{", "}", ":", ",", "\\",
                                                "1e999", "NaN", "null", "-", "\\ud800", "[" * 5000,
                                                '{"a":' * 5000, "9" * 5000]) | _fragment,
                               max_size=4).map("".join))
        text = _EXAMPLE_JSON_TEXT[:at] + splice + _EXAMPLE_JSON_TEXT[at + cut:]
    data = draw(st.one_of(st.just(text.encode("utf-8")),
                          st.just(text.encode("utf-16")),
                          st.just(b"\xef\xbb\xbf" + text.encode("utf-8")),
                          st.binary(max_size=200).map(lambda b: text.encode("utf-8") + b)))
    return suffix, data


@pytest.mark.timeout(120)
@settings(FUZZ, max_examples=200)
@given(file=file_bytes())
def test_any_file_read_by_read_document_gives_a_document_or_a_clear_error(scratch, file):
    suffix, data = file
    path = scratch / f"postmortem{suffix}"
    path.write_bytes(data)
    outcome = _document_of(_read_within(read_document, path))
    if isinstance(outcome, DocumentError):
        assert outcome.source == str(path)
    if isinstance(outcome, InputError):
        assert str(outcome).startswith(str(path))
