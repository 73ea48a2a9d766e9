"""Every exported page opens with its Content-Security-Policy, before anything it covers."""

from __future__ import annotations

from html.parser import HTMLParser

from postmortem_kit.document import Postmortem
from postmortem_kit.exporters.html import PostmortemHTMLExporter

POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
          "form-action 'none'; base-uri 'none'")


class FirstInHead(HTMLParser):
    """The first element inside ``<head>``: its tag and attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.in_head = False
        self.first: tuple[str, dict[str, str]] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.in_head and self.first is None:
            self.first = (tag, {k: v or "" for k, v in attrs})
        self.in_head = self.in_head or tag == "head"


def test_notebook_report_opens_with_the_policy(notebook):
    body, _ = PostmortemHTMLExporter().from_notebook_node(notebook)
    assert FirstInHead(body).first == (
        "meta", {"http-equiv": "Content-Security-Policy", "content": POLICY})


def test_document_page_opens_with_the_policy(example_json):
    html = Postmortem.load(example_json).to_html()
    assert FirstInHead(html).first == (
        "meta", {"http-equiv": "Content-Security-Policy", "content": POLICY})
