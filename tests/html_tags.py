"""Reading an HTML page in tests: its start tags with their attributes, and its text."""

from __future__ import annotations

from html.parser import HTMLParser


class Tags(HTMLParser):
    """The start tags (name, attributes) and the text nodes of a page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Tags:
    """``html`` read into :class:`Tags`."""
    parsed = Tags()
    parsed.feed(html)
    return parsed
