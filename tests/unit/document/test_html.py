"""HTML: standalone, offline, every section, and every piece of document text escaped."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings

from postmortem_kit.document import Postmortem
from postmortem_kit.document.html import safe_href
from postmortem_kit.document.layout import LAYOUT
from tests.html_tags import parse as _parse
from tests.unit.document.strategies import documents

HOSTILE = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'


def test_every_template_section_is_a_heading(example_json):
    page = _parse(Postmortem.load(example_json).to_html())
    heading_tags = {"h2", "h3"}
    assert [a["id"] for t, a in page.tags if t == "section"] == [s.anchor for s in LAYOUT]
    assert sum(t in heading_tags for t, _ in page.tags) == len(LAYOUT)


def test_no_external_assets_and_no_script():
    page = _parse(Postmortem().to_html())
    tags = [t for t, _ in page.tags]
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert "<style>" in Postmortem().to_html()


def test_document_text_is_escaped_everywhere():
    pm = Postmortem(
        title=HOSTILE,
        overview={"impact": HOSTILE},
        key_events=[{"time": "2026-03-14T13:00:00Z", "event": HOSTILE, "action_taken": HOSTILE,
                     "source": HOSTILE, "provenance": HOSTILE}],
        went_well=[HOSTILE],
        action_items={"immediate": [{"description": HOSTILE, "owner": HOSTILE}]},
        supporting_documentation=[{"title": HOSTILE, "url": "https://example.com/a?b=1&c=2"}],
        follow_up={"stakeholders": [HOSTILE]},
    )
    html = pm.to_html()
    page = _parse(html)
    assert not [t for t, _ in page.tags if t in ("script", "img")]
    # 1 <title> + 1 <h1> + impact, event, action, source/provenance span, list, two action
    # cells, link title, stakeholders: each shown as the literal text
    assert sum(HOSTILE in chunk for chunk in page.text) >= 10
    assert html.count("&lt;script&gt;") >= 10


def test_javascript_urls_are_never_clickable():
    pm = Postmortem(supporting_documentation=[
        {"title": "evil", "url": "javascript:alert(1)"},
        {"title": "ok", "url": "https://grafana.example.com/d/abc"},
        {"title": "chart", "url": "figures/overview.png"},
    ])
    hrefs = [a.get("href") for t, a in _parse(pm.to_html()).tags if t == "a"]
    assert hrefs == ["https://grafana.example.com/d/abc", "figures/overview.png"]


def test_empty_fields_are_visibly_unfilled():
    html = Postmortem().to_html()
    assert re.search(r'<dd class="pmk-unfilled">\[Date of incident\]</dd>', html)
    assert "[Positive aspect]" in html


def test_times_are_shown_in_the_display_timezone(example_json):
    html = Postmortem.load(example_json).to_html()
    assert "Europe/Berlin (UTC+01:00)" in html
    assert "14:07 +01:00 to 15:21 +01:00 (1h 14m)" in html


def test_a_document_displays_itself_in_notebooks():
    bundle = Postmortem(title="Checkout <outage>")._repr_mimebundle_()
    assert "Incident Overview" in bundle["text/html"]
    assert "Checkout &lt;outage&gt;" in bundle["text/html"]
    assert bundle["text/markdown"].startswith("# Checkout \\<outage>")


# -- fields hold inline Markdown ----------------------------------------------------------------

def test_inline_markdown_in_fields_is_shown_formatted():
    pm = Postmortem(
        overview={"impact": "503s on `/api/pay` for *all* EU users"},
        root_cause={"technical_cause": "see [the runbook](https://runbooks.example.com/db) "
                                       "and `max_connections`"},
        key_events=[{"time": "2026-03-14T13:05:00Z", "event": "**paged** on `5xx | rate`"}],
    )
    html = pm.to_html()
    assert "503s on <code>/api/pay</code> for <em>all</em> EU users" in html
    assert '<a href="https://runbooks.example.com/db">the runbook</a>' in html
    assert "<code>max_connections</code>" in html
    assert "<strong>paged</strong> on <code>5xx | rate</code>" in html


def test_a_fenced_block_in_a_field_is_a_code_block_not_a_heading():
    pm = Postmortem(root_cause={"contributing_factors": "config:\n```\n# pool size\n```"})
    html = pm.to_html()
    assert "<pre><code># pool size\n</code></pre>" in html
    assert "<h1>pool size" not in html


def test_only_safe_links_are_clickable_in_fields():
    pm = Postmortem(overview={"impact": "[a](javascript:alert(1)) [b](data:text/html,x) "
                                        "[c](https://ok.example.com) [d](notes/x.md) "
                                        "[e](mailto:oncall@example.com) <javascript:alert(2)>"})
    page = _parse(pm.to_html())
    hrefs = [a.get("href") for t, a in page.tags if t == "a"]
    assert hrefs == ["https://ok.example.com", "notes/x.md", "mailto:oncall@example.com"]
    text = "".join(page.text)
    assert "[a](javascript:alert(1))" in text and "[b](data:text/html,x)" in text


def test_notes_are_a_section_after_the_template():
    pm = Postmortem(notes=[{"heading": "Where we got lucky", "text": "- the cache was warm"}])
    page = _parse(pm.to_html())
    ids = [a["id"] for t, a in page.tags if t == "section" and "id" in a]
    assert ids[-1] == "notes-imported"
    assert "the cache was warm" in "".join(page.text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_any_document_html_has_no_raw_html_and_only_safe_links(pm):
    page = _parse(pm.to_html())
    allowed = {"html", "head", "meta", "title", "style", "body", "article", "header", "p",
               "span", "strong", "section", "h1", "h2", "h3", "dl", "dt", "dd", "ol", "ul",
               "li", "a", "code", "em", "table", "thead", "tbody", "tr", "th", "td", "pre",
               "div", "blockquote", "footer", "s", "hr", "h4", "h5", "h6", "br"}
    assert {t for t, _ in page.tags} <= allowed
    for tag, attrs in page.tags:
        if tag == "a":
            assert safe_href(attrs["href"]) is not None
        assert not any(name.startswith("on") for name in attrs)
