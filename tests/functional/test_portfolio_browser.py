"""The portfolio page in a real browser: Debian's headless Chromium, driven by Playwright."""

from __future__ import annotations

import datetime as dt

import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.portfolio import write_portfolio
from tests.functional.conftest import ARTIFACTS
from tests.unit.portfolio.generate import generate

pytestmark = pytest.mark.browser
HOSTILE = "<script>window.__pwned = true</script><img src=x onerror='window.__pwned=true'>"


def test_portfolio_page_shows_its_charts_and_tables_and_runs_nothing(browser, tmp_path):
    folder = tmp_path / "postmortems"
    folder.mkdir()
    generate(folder)
    (folder / "hostile.md").write_text(Postmortem(
        title=f"Outage {HOSTILE}", overview={"date": "2025-05-05", "category": HOSTILE,
                                             "start": "2025-05-05T10:00:00Z",
                                             "end": "2025-05-05T11:00:00Z"}).to_markdown())
    path = tmp_path / "portfolio.html"
    write_portfolio(folder, path, today=dt.date(2026, 6, 1))

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())

    assert page.locator("h2").all_inner_texts() == [
        "Time to detect and to resolve", "By category and severity", "Action items",
        "Stated figures that disagree with their timeline", "Every postmortem"]
    charts = page.locator("figure svg")
    assert charts.count() == 3
    for i in range(3):
        box = charts.nth(i).bounding_box()
        assert box["width"] > 800 and box["height"] > 200
    # the chart labels are text in the page: the categories are there to read
    assert "Certificates" in page.locator("#groups svg").text_content()
    assert page.locator("#incidents tbody tr").count() == 41
    assert page.locator("#disagreements tbody tr").count() == 6
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("script").count() == 0
    assert HOSTILE in page.locator("#incidents").inner_text()
    assert requests == [path.as_uri()]  # offline: nothing but the page itself
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "portfolio.png"), full_page=True)
    assert (ARTIFACTS / "portfolio.png").stat().st_size > 100_000
    page.close()
