"""The HTML report in a real browser: Debian's headless Chromium, driven by Playwright."""

from __future__ import annotations

import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.document.layout import LAYOUT
from tests.functional.conftest import ARTIFACTS

HOSTILE = "<script>window.__pwned = true</script><img src=x onerror='window.__pwned=true'>"

pytestmark = pytest.mark.browser


def test_report_shows_every_section_readably_and_runs_no_injected_script(browser, tmp_path,
                                                                          example_json):
    pm = Postmortem.load(example_json)
    pm.detection.initial_symptoms = f"log line: {HOSTILE}"
    pm.key_events[0].event = HOSTILE
    path = tmp_path / "report.html"
    path.write_text(pm.to_html(), encoding="utf-8")

    page = browser.new_page(viewport={"width": 1100, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())

    headings = page.locator("h2, h3").all_inner_texts()
    assert headings == [s.heading for s in LAYOUT]
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("script").count() == 0
    assert HOSTILE in page.locator("#detection").inner_text()
    assert page.locator("#key-events tbody tr").count() == len(pm.key_events)
    # offline: the page asked for nothing but itself
    assert requests == [path.as_uri()]
    # readable: the report's text is dark on white at a normal size
    style = page.evaluate("(() => { const s = getComputedStyle("
                          "document.querySelector('.pmk-report'));"
                          " return [s.color, getComputedStyle(document.body).backgroundColor,"
                          " s.fontSize]; })()")
    assert style == ["rgb(31, 35, 40)", "rgb(255, 255, 255)", "15px"]
    # nothing overflows the page width (long log lines wrap instead)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert (ARTIFACTS / "report.png").stat().st_size > 50_000
    page.close()


def test_report_prints_to_pdf(browser, tmp_path, example_json):
    path = tmp_path / "report.html"
    path.write_text(Postmortem.load(example_json).to_html(), encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    page.close()
