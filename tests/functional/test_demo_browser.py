"""``postmortem demo``'s HTML report in a real browser: Debian's headless Chromium.

The demo runs once for the module (it executes the worked example, about half a minute on
a busy 2-core machine); the tests then look at what it wrote.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from postmortem_kit.cli import demo as demo_verb
from postmortem_kit.document import Postmortem
from postmortem_kit.document.layout import LAYOUT
from tests.functional.conftest import ARTIFACTS

# The sample incident's chat quotes this in a customer ticket (data/incident/README.md).
HOSTILE = "<script>alert(1)</script>"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory) -> dict[str, Path]:
    return demo_verb.demo(tmp_path_factory.mktemp("demo"))


@pytest.mark.browser
def test_demo_report_is_complete_offline_and_shows_hostile_log_text_as_text(browser, demo_out):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    # If any injected script ran, alert() would set this flag (and open a dialog).
    page.add_init_script("window.alert = () => { window.__alerted = true; };")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    url = demo_out["html"].as_uri()
    page.goto(url)
    page.wait_for_load_state("load")

    headings = page.locator(".pmk-report h2, .pmk-report h3").all_inner_texts()
    assert headings == [s.heading for s in LAYOUT]
    # every chart under supporting documentation, decoded and drawn
    images = page.locator("#supporting-documentation img")
    assert images.count() == 3
    widths = page.evaluate(
        "Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)")
    assert widths and all(w > 0 for w in widths)
    # the customer ticket's hostile text is in the key events, as text, and never ran
    assert HOSTILE in page.locator("#key-events").inner_text()
    assert page.locator("script").count() == 0
    assert page.evaluate("window.__alerted === undefined")
    assert dialogs == []
    # no code, no widget, no stderr reached the report
    text = page.locator("body").inner_text()
    assert "PostmortemForm(" not in text and "read_events(" not in text
    assert "VBox" not in text and "Warning" not in text
    # offline: the page asked for nothing but itself (data: images are not requests)
    assert [r for r in requests if not r.startswith("data:")] == [url]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-report.png"), full_page=True)
    assert (ARTIFACTS / "demo-report.png").stat().st_size > 50_000
    page.close()


def test_demo_markdown_report_keeps_charts_beside_it(demo_out):
    md = demo_out["md"]
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Checkout outage")
    # a "<" that would open a tag is escaped (shown as text); the rest is Markdown as written
    assert "\\<script>alert(1)\\</script>" in text
    linked = [line.split("](", 1)[1].rstrip(")") for line in text.splitlines()
              if line.startswith("![")]
    assert len(linked) == 3
    assert all(link.startswith("report_files/") and (md.parent / link).stat().st_size > 10_000
               for link in linked)
    assert "data:image" not in text and "```" not in text  # no embedded data, no code
    # the report is the document: it parses back to what the notebook saved
    assert Postmortem.from_markdown(text) == Postmortem.load(demo_out["postmortem"])
