"""The portfolio page: offline, escaped, charts inline, the same bytes for the same folder."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.document.html import CONTENT_SECURITY_POLICY
from postmortem_kit.portfolio import collect, render_portfolio
from tests.html_tags import parse as _parse
from tests.unit.portfolio.generate import generate

TODAY = dt.date(2026, 6, 1)
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> $\\frac{1}$'




@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portfolio")
    generate(folder)
    hostile = Postmortem(title=f"Outage {HOSTILE}", overview={
        "date": "2025-05-05", "category": HOSTILE, "start": "2025-05-05T10:00:00Z",
        "end": "2025-05-05T11:00:00Z"})
    (folder / "hostile.md").write_text(hostile.to_markdown())
    (folder / "README.md").write_text("# About these postmortems\n")
    return folder


@pytest.fixture(scope="module")
def page(folder) -> str:
    return render_portfolio(collect(folder, today=TODAY), name="team", today=TODAY)




def test_the_same_folder_gives_the_same_bytes(folder, page):
    again = render_portfolio(collect(folder, today=TODAY), name="team", today=TODAY)
    assert again == page


def test_the_page_is_offline_and_opens_with_the_policy(page):
    parsed = _parse(page)
    first = next(t for t in parsed.tags if t[0] not in ("html", "head"))
    assert first == ("meta", {"http-equiv": "Content-Security-Policy",
                              "content": CONTENT_SECURITY_POLICY})
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & {"script", "link", "img", "iframe", "object"}
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", page)


def test_charts_are_inline_svg_with_ids_unique_in_the_page(page):
    parsed = _parse(page)
    assert sum(tag == "svg" for tag, _ in parsed.tags) == 3
    ids = Counter(attrs["id"] for _, attrs in parsed.tags if "id" in attrs)
    assert [i for i, n in ids.items() if n > 1] == []
    # every reference inside a chart points at an id of the page
    assert set(re.findall(r"url\(#([^)]+)\)", page)) <= set(ids)


def test_every_text_is_escaped(page):
    parsed = _parse(page)
    assert not any(tag == "script" or "onerror" in attrs for tag, attrs in parsed.tags)
    text = "".join(parsed.text)
    assert f"Outage {HOSTILE}" in text  # the title, shown as text
    assert HOSTILE in text  # the category, in the table and in the chart's labels


def test_the_figures_that_disagree_and_the_overdue_items_are_listed(page):
    section = page[page.index('id="disagreements"'):page.index('id="incidents"')]
    # the generated incidents 3, 10, 17, 24, 31, 38 state a TTD 25 minutes late
    assert sorted(set(re.findall(r"Incident (\d\d)", section))) == ["03", "10", "17", "24",
                                                                    "31", "38"]
    assert section.count("<td class=\"metric\">TTD</td>") == 6
    overdue = page[page.index('id="action-items"'):page.index('id="disagreements"')]
    assert '<td class="num late">' in overdue
    assert "not included" in page and "README.md" in page
