"""Hostile notebooks and documents exported as HTML, opened in Debian's headless Chromium.

Every payload of issue 11 and of the OWASP XSS filter-evasion cheat sheet
(``tests/data/xss/``) goes into a notebook as an output's ``text/html`` (and the issue's into
a Markdown cell); the exported report is then opened with every request intercepted, scrolled,
hovered and clicked all over, and left open past any ``meta refresh``. A report passes when
no script ran (no dialog, no ``window.__pwned``), nothing was fetched (no request but the
page itself and the links that were clicked), no window opened and the page is still there.
The report is checked without its Content-Security-Policy too: the sanitiser alone holds.
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import nbformat.v4 as v4
import pandas as pd
import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.document.display import mimebundle
from postmortem_kit.document.layout import LAYOUT
from postmortem_kit.document.markdown_html import to_plain
from postmortem_kit.exporters.html import PostmortemHTMLExporter
from tests.data.xss import payloads

matplotlib.use("Agg")

pytestmark = pytest.mark.browser

ISSUE = payloads("issue_11")
OWASP = payloads("owasp_filter_evasion")
SCRIPT = "window.__pwned='{}';alert('{}')"
CSP_META = re.compile(r'<meta\b[^>]*\bhttp-equiv="Content-Security-Policy"[^>]*>\s*')
# Attributes in the body that run script or load something, as the browser parsed them.
LEFTOVERS = """() => Array.from(document.querySelectorAll('body *')).flatMap(e =>
    Array.from(e.attributes, a => a.name.toLowerCase())
        .filter(n => n.startsWith('on') || ['srcset', 'background', 'poster', 'action',
                'formaction', 'ping', 'xlink:href', 'http-equiv', 'srcdoc'].includes(n))
        .map(n => `${e.tagName.toLowerCase()} ${n}`))"""
# Elements a reader could click; each is clicked, links and all.
CLICKABLE = "a, area, button, input, select, summary, label, [href], [onclick], [tabindex]"


def figure_bytes(fmt: str) -> bytes:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1, 2], [2, 0, 1], label="errors")
    ax.set_title("error ratio")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, metadata={"Software": None} if fmt == "png" else None)
    plt.close(fig)
    return buffer.getvalue()


def html_output(html: str) -> Any:
    return v4.new_code_cell("display(HTML(x))", outputs=[v4.new_output(
        "display_data", data={"text/html": html, "text/plain": "<HTML>"})])


def hostile_notebook(example_json: Path) -> Any:
    """Normal report content first (it must survive), then every payload in every place."""
    frame = pd.DataFrame({"service": ["checkout", "payments <db>"], "errors": [326, 140]})
    pm = Postmortem.load(example_json)
    pm.detection.initial_symptoms = ISSUE[0]
    svg = figure_bytes("svg").decode()
    nb = v4.new_notebook()
    nb.metadata["title"] = f"Report {ISSUE[3]}"
    nb.cells = [
        v4.new_markdown_cell("# Findings\n\nNORMAL-MARKDOWN with a [runbook](https://runbooks."
                             "invalid/checkout) and [a note](notes/triage.md)."),
        html_output(frame._repr_html_()),
        html_output(frame.style.highlight_max().to_html()),
        v4.new_code_cell("fig", outputs=[v4.new_output("display_data", data={
            "image/png": base64.b64encode(figure_bytes("png")).decode(),
            "text/plain": "<Figure>"}, metadata={"alt": "chart-png"})]),
        v4.new_code_cell("fig", outputs=[v4.new_output("display_data", data={
            "image/svg+xml": svg, "text/plain": "<Figure>"}, metadata={"alt": "chart-svg"})]),
        v4.new_code_cell("Report(pm)", outputs=[v4.new_output(
            "display_data", data=mimebundle(pm))]),
        # The same payloads through every other way into the page.
        v4.new_markdown_cell("\n\n".join(ISSUE)),
        v4.new_code_cell("Markdown(x)", outputs=[v4.new_output(
            "display_data", data={"text/markdown": "\n\n".join(ISSUE)})]),
        v4.new_code_cell("svg", outputs=[v4.new_output("display_data", data={
            "image/svg+xml": svg.replace("</svg>", "<script>window.__pwned='svg-output';"
                                                   "alert('svg-output')</script></svg>")},
            metadata={"alt": f'x" onerror="{SCRIPT.format("alt", "alt")}'})]),
        *(html_output(p) for p in ISSUE + OWASP),
    ]
    return nb


@dataclass
class Visit:
    """What a page did while a reader opened it, scrolled, hovered and clicked everything."""

    url: str
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)  # requests nobody clicked a link for
    followed: list[str] = field(default_factory=list)  # links clicked and followed
    popups: list[str] = field(default_factory=list)
    handlers: list[str] = field(default_factory=list)  # event handlers and loaders in the DOM
    clicked: int = 0
    url_after: str = ""
    pwned: Any = None


def visit(browser, path: Path) -> Visit:
    """Open ``path`` as a reader would, with every request recorded and refused."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    seen = Visit(path.as_uri())
    link: dict[str, str | None] = {"href": None}  # the link being clicked, if any
    opened: list[bool] = []

    def route(r: Any) -> None:
        request = r.request
        if request.url == seen.url and not opened:
            opened.append(True)
            r.continue_()  # the page itself, once
            return
        clicked = link["href"]
        if request.is_navigation_request() and clicked and \
                request.url.split("#")[0] == clicked.split("#")[0]:
            seen.followed.append(request.url)
        else:
            seen.fetched.append(f"{request.resource_type} {request.url}")
        r.abort("aborted")  # "aborted" keeps the page: Chromium shows no error page for it

    page.route("**/*", route)
    context.on("page", lambda p: seen.popups.append(p.url))
    page.on("dialog", lambda d: (seen.dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: seen.console.append(m.text))
    page.goto(seen.url)
    page.wait_for_timeout(1500)  # past the 1-second meta refresh of the payloads
    seen.handlers = page.evaluate(LEFTOVERS)
    scroll_and_hover_everywhere(page)
    seen.clicked = click_everything(page, link)
    page.wait_for_timeout(500)
    seen.url_after = page.url
    seen.pwned = page.evaluate("window.__pwned")
    context.close()
    return seen


def scroll_and_hover_everywhere(page: Any) -> None:
    """Scroll through the page with the wheel, then move the mouse over every element."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.mouse.move(500, 400)
    for _ in range(0, height, 800):
        page.mouse.wheel(0, 800)
    boxes = page.evaluate("""() => Array.from(document.querySelectorAll('body *'), e => {
        const r = e.getBoundingClientRect();
        return [r.left + r.width / 2, r.top + window.scrollY + r.height / 2, r.width * r.height];
    })""")
    spots = sorted({(round(x), round(y)) for x, y, area in boxes if area > 0},
                   key=lambda spot: spot[::-1])  # nested elements share a centre
    top = -1e9
    for x, y in spots:
        if not top <= y < top + 800:  # scroll only when the next element is off screen
            top = page.evaluate("y => (window.scrollTo(0, y), window.scrollY)", max(0, y - 50))
        page.mouse.move(x, y - top)


def click_everything(page: Any, link: dict[str, str | None]) -> int:
    """Click all a reader could click: by mouse where it shows, else by its ``click()``.

    ``link["href"]`` holds the clicked element's URL meanwhile, so that the request it makes
    counts as a followed link. Returns how many elements were clicked.
    """
    count = page.locator(CLICKABLE).count()
    for index in range(count):
        element = page.locator(CLICKABLE).nth(index)
        link["href"] = element.evaluate("e => e.href ? String(e.href) : null")
        box = element.bounding_box() if element.is_visible() else None
        if box and box["width"] and box["height"]:
            element.scroll_into_view_if_needed()
            box = element.bounding_box()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        else:
            element.evaluate("e => e.click()")
        page.wait_for_timeout(30)  # a javascript: URL runs after the click returns
    link["href"] = None
    return count


def assert_inert(seen: Visit, *, csp: bool) -> None:
    assert seen.handlers == []
    assert seen.dialogs == []
    assert seen.pwned is None
    assert seen.fetched == []
    # links followed go to web pages or files beside the report, never to a data: document
    assert all(u.startswith(("http:", "https:", "file:")) for u in seen.followed)
    assert seen.popups == []
    assert seen.url_after.split("#")[0] == seen.url
    if csp:  # the policy had nothing to block: the sanitiser left nothing for it
        assert [m for m in seen.console if "Content Security Policy" in m] == []


def export_html(nb: Any, path: Path, *, csp: bool = True) -> Path:
    body, _ = PostmortemHTMLExporter().from_notebook_node(nb)
    if not csp:
        body, count = CSP_META.subn("", body)
        assert count == 1
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "sanitiser-alone"])
def test_hostile_notebook_report_runs_nothing_fetches_nothing_and_stays(browser, tmp_path,
                                                                        example_json, csp):
    path = export_html(hostile_notebook(example_json), tmp_path / "report.html", csp=csp)
    seen = visit(browser, path)
    assert_inert(seen, csp=csp)
    assert seen.clicked >= 20  # the links of the corpus were there to click
    assert bool(CSP_META.search(path.read_text(encoding="utf-8"))) is csp


def test_hostile_notebook_report_still_shows_the_normal_content(browser, tmp_path,
                                                               example_json):
    path = export_html(hostile_notebook(example_json), tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.route("**/*", lambda r: r.continue_() if r.request.url == path.as_uri()
               else r.abort("aborted"))
    page.goto(path.as_uri())
    # the pandas table, as a table with its header and cells (the cell's "<db>" as text)
    table = page.locator("table.dataframe").first
    assert table.locator("thead th").all_inner_texts() == ["", "service", "errors"]
    assert table.locator("tbody td").all_inner_texts() == ["checkout", "326",
                                                           "payments <db>", "140"]
    # matplotlib's PNG and SVG outputs, decoded and drawn
    for alt in ("chart-png", "chart-svg"):
        width = page.locator(f'img[alt="{alt}"]').evaluate("i => i.complete && i.naturalWidth")
        assert width > 0
    # the document: its sections, styled by its CSS, the hostile symptom shown as text
    headings = page.locator(".pmk-report h2, .pmk-report h3").all_inner_texts()
    assert headings == [section.heading for section in LAYOUT]
    assert page.locator(".pmk-report h2").first.evaluate(
        "h => getComputedStyle(h).borderBottomStyle") == "solid"
    assert ISSUE[0] in page.locator(".pmk-report #detection").inner_text()
    # links to click stay links; Markdown text stays
    assert page.locator('a[href="https://runbooks.invalid/checkout"]').count() == 1
    assert page.locator('a[href="notes/triage.md"]').count() == 1
    assert "NORMAL-MARKDOWN" in page.locator("body").inner_text()
    page.close()


# Fields that hold dates, times or choices: they refuse free text.
NOT_TEXT = {"schema_version", "timezone", "date", "start", "end", "time", "due", "severity",
            "status", "priority", "review_date"}


def hostile_document(example_json: Path) -> Postmortem:
    """The example document with a payload in every text field and a script in every link."""
    corpus = iter(ISSUE * 20)

    def poison(node: Any, key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: poison(v, k) for k, v in node.items()}
        if isinstance(node, list):
            return [poison(v, key) for v in node]
        if key == "url":
            return "javascript:" + SCRIPT.format("link", "link")
        if isinstance(node, str) and key not in NOT_TEXT:
            return f"{node} {next(corpus)}"
        return node

    return Postmortem.from_json(json.dumps(poison(json.loads(
        Postmortem.load(example_json).to_json()))))


def test_hostile_document_page_runs_nothing_and_shows_the_text(browser, tmp_path,
                                                               example_json):
    pm = hostile_document(example_json)
    path = tmp_path / "postmortem.html"
    path.write_text(pm.to_html(), encoding="utf-8")
    seen = visit(browser, path)
    assert_inert(seen, csp=True)
    assert CSP_META.search(path.read_text(encoding="utf-8"))

    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url == path.as_uri()
               else r.abort("aborted"))
    page.goto(path.as_uri())
    # every payload shown as the text it is (fields are Markdown: `code` shows as code)
    assert to_plain(pm.title) in page.locator("h1").inner_text()
    assert to_plain(pm.detection.initial_symptoms) in page.locator("#detection").inner_text()
    assert to_plain(pm.key_events[0].event) in page.locator("#key-events").inner_text()
    assert page.locator("a[href^=javascript]").count() == 0
    page.close()


@pytest.mark.parametrize("page_kind", ["notebook-report", "document"])
def test_content_security_policy_blocks_what_would_get_past(browser, tmp_path, example_json,
                                                            page_kind):
    if page_kind == "document":
        path = tmp_path / "postmortem.html"
        path.write_text(Postmortem.load(example_json).to_html(), encoding="utf-8")
    else:
        nb = v4.new_notebook(cells=[v4.new_markdown_cell("# Report")])
        path = export_html(nb, tmp_path / "report.html")
    requests: list[str] = []
    page = browser.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url == path.as_uri()
               else (requests.append(r.request.url), r.abort("aborted")))
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(path.as_uri())
    assert page.evaluate("document.head.firstElementChild.httpEquiv") == \
        "Content-Security-Policy"
    # As if markup had got past every filter: the page's policy still stops it.
    page.evaluate("""() => document.body.insertAdjacentHTML('beforeend',
        '<img src="https://evil.invalid/x.png" onerror="window.__pwned=1">' +
        '<style>@import url(https://evil.invalid/y.css);</style>' +
        '<a id="js" href="javascript:window.__pwned=2">js</a>' +
        '<form action="https://evil.invalid/f"><button id="send">send</button></form>')""")
    # clicked by script: Playwright would wait for the navigations the policy refuses
    page.evaluate("() => { document.getElementById('js').click();"
                  " document.getElementById('send').click(); }")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert requests == []
    assert len([m for m in console if "Content Security Policy" in m]) >= 3
    page.close()
