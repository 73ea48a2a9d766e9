"""HTML: standalone, offline, every section, and every piece of document text escaped."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from postmortem_kit.document import Postmortem
from postmortem_kit.document.layout import LAYOUT


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


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
    assert bundle["text/markdown"].startswith("# Checkout \\<outage\\>")
