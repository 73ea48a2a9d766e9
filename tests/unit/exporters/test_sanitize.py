"""The allow-list sanitiser: hostile markup neutralised, what a report shows kept."""

from __future__ import annotations

import base64
import io

import matplotlib
import pandas as pd
import pytest

from postmortem_kit.document import Postmortem
from postmortem_kit.document.display import to_html_fragment
from postmortem_kit.exporters.sanitize import sanitize_html
from tests.data.xss import payloads
from tests.unit.exporters.conftest import Parsed, only, png_bytes, problems

matplotlib.use("Agg")

ISSUE = payloads("issue_11")
OWASP = payloads("owasp_filter_evasion")
@pytest.mark.parametrize("payload", ISSUE, ids=[f"issue-{i}" for i in range(len(ISSUE))])
def test_issue_payloads_are_neutralised(payload):
    clean = sanitize_html(payload)
    assert problems(clean) == []
    # no script left to set the flag, no URL left to load
    assert "__pwned" not in clean and "evil.invalid" not in clean


@pytest.mark.parametrize("payload", OWASP, ids=[f"owasp-{i}" for i in range(len(OWASP))])
def test_owasp_filter_evasion_vectors_are_neutralised(payload):
    assert problems(sanitize_html(payload)) == []


def test_sanitised_markup_is_stable():
    # what the sanitiser writes, read again, is what it wrote: nothing mutates on re-parsing
    for payload in ISSUE + OWASP:
        once = sanitize_html(payload)
        assert sanitize_html(once) == once


@pytest.mark.parametrize("href", [
    "https://runbooks.example.com/checkout", "http://grafana.example.com/d/abc?from=1",
    "mailto:oncall@example.com", "#impact", "notes/triage.md", "../evidence/slack/",
    "/srv/incidents/4821/", "?tab=2",
])
def test_links_to_follow_stay(href):
    attrs = only("a", sanitize_html(f'<a href="{href}">x</a>'))
    assert attrs["href"] == href


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java&#x09;script:alert(1)",
    "java&#x0A;script:alert(1)", "&#x20;javascript:alert(1)", "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>", "file:///etc/passwd", "//evil.invalid/x",
    "/\\evil.invalid/x", "\\\\evil.invalid\\x", "jav&#x09;ascript&colon;alert(1)",
])
def test_links_that_run_script_or_name_another_host_lose_their_href(href):
    attrs = only("a", sanitize_html(f'<a href="{href}">x</a>'))
    assert "href" not in attrs


@pytest.mark.parametrize("src", [
    "https://cdn.example.com/x.png", "http:evil.invalid/x.png", "https:\\\\evil.invalid\\x",
    "//evil.invalid/x.png", "x.png", "/x.png", "data:text/html,<b>x</b>",
    "javascript:alert(1)", "data:image/png",
])
def test_images_load_nothing_from_anywhere(src):
    attrs = only("img", sanitize_html(f'<img src="{src}" alt="a">'))
    assert "src" not in attrs and attrs["alt"] == "a"


@pytest.mark.parametrize("src", [
    "data:image/png;base64,iVBORw0KGgo=", "data:image/jpeg;base64,/9j/4AAQ",
    "data:image/gif;base64,R0lGODlh", "data:image/webp;base64,UklGRg==",
    "data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'/%3E",
])
def test_pictures_inside_the_page_stay(src):
    assert only("img", sanitize_html(f'<img src="{src}">'))["src"] == src


@pytest.mark.parametrize("style, kept", [
    ("color: red; text-align: right", "color:red;text-align:right"),
    ("background-color: #f6f8fa; font-weight: bold", "background-color:#f6f8fa;font-weight:bold"),
    ("background: url(https://evil.invalid/a.png); color: red", "color:red"),
    ("background-image: image-set('https://evil.invalid/b.png' 1x)", ""),
    ("list-style-image: url(https://evil.invalid/c.png); cursor: url(x.cur), auto", ""),
    ("b\\61 ckground: url(https://evil.invalid/d.png)", ""),
    ("color: red; background: u\\72 l(https://evil.invalid/e.png)", "color:red"),
    ("@import 'https://evil.invalid/f.css'", ""),
])
def test_styles_keep_only_properties_that_cannot_load(style, kept):
    attrs = only("span", sanitize_html(f'<span style="{style}">x</span>'))
    assert attrs["style"] == kept  # an emptied style stays as style=""


def test_pandas_tables_stay_tables():
    frame = pd.DataFrame({"service": ["checkout", "payments <db>"], "errors": [326, 140]},
                         index=pd.Index(["a", "b"], name="id"))
    html = frame._repr_html_()
    clean = Parsed(sanitize_html(html))
    original = Parsed(html)
    # every element but pandas' <style>, with its attributes (the header row's style too)
    assert [tag for tag, _ in clean.elements] == [t for t, _ in original.elements
                                                  if t != "style"]
    assert ("table", {"border": "1", "class": "dataframe"}) in clean.elements
    assert ("tr", {"style": "text-align:right"}) in clean.elements
    assert clean.text == ["service", "errors", "id", "a", "checkout", "326", "b",
                          "payments <db>", "140"]


def test_pandas_multiindex_headers_keep_their_spans():
    frame = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("err", "4xx"),
                                                                     ("err", "5xx")]))
    clean = Parsed(sanitize_html(frame._repr_html_()))
    assert ("th", {"colspan": "2", "halign": "left"}) in clean.elements


def test_pandas_styler_tables_keep_structure_and_lose_their_stylesheet():
    frame = pd.DataFrame({"errors": [326, 140]})
    clean = sanitize_html(frame.style.highlight_max().to_html())
    elements = Parsed(clean).elements
    assert [t for t, _ in elements].count("td") == 2
    assert any(t == "table" and a.get("id", "").startswith("T_") for t, a in elements)
    assert "<style" not in clean and "background-color" not in clean


def test_matplotlib_png_and_svg_pictures_stay_as_data_images():
    import matplotlib.pyplot as plt

    png = base64.b64encode(png_bytes()).decode()
    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [1, 0])
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = base64.b64encode(buffer.getvalue().encode()).decode()
    html = (f'<img src="data:image/png;base64,{png}" alt="png">'
            f'<img src="data:image/svg+xml;base64,{svg}" alt="svg">')
    assert Parsed(sanitize_html(html)).elements == [
        ("img", {"src": f"data:image/png;base64,{png}", "alt": "png"}),
        ("img", {"src": f"data:image/svg+xml;base64,{svg}", "alt": "svg"})]
    # inline, the same SVG goes whole: not a line of its CSS left behind as text
    assert sanitize_html(buffer.getvalue()).strip() == ""


def test_the_report_document_fragment_is_kept_whole_but_its_stylesheet(example_json):
    pm = Postmortem.load(example_json)
    pm.detection.initial_symptoms = "x<sub>2</sub> `code`"
    html = to_html_fragment(pm)
    clean = Parsed(sanitize_html(html))
    original = Parsed(html)

    def without_rel(elements):
        return [(t, {k: v for k, v in a.items() if k != "rel"}) for t, a in elements]

    assert without_rel(clean.elements) == [e for e in original.elements if e[0] != "style"]
    assert clean.text == original.text
    assert ("a", {"href": "https://example.pagerduty.com/incidents/PX4821",
                  "rel": "noopener noreferrer"}) in clean.elements
