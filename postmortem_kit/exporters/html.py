"""``postmortem_html``: an executed investigation notebook as one offline HTML report.

A subclass of nbconvert's :class:`~nbconvert.exporters.HTMLExporter` that changes defaults:

- no code and no prompts (``exclude_input``), cells tagged ``remove_cell`` / ``remove_input``
  / ``remove_output`` honoured;
- no widget views, stderr or tracebacks (:class:`~postmortem_kit.exporters.preprocessors.
  ReportOutputsPreprocessor`);
- its own template (``templates/postmortem_html``): one self-contained page, no script at
  all (the ``lab`` template pulls require.js and MathJax from CDNs), the CSS inline and
  printable, images as ``data:`` URLs;
- everything the notebook brings (outputs' HTML, Markdown cells) goes through the allow-list
  sanitiser (:func:`~postmortem_kit.exporters.sanitize.sanitize_html`), and the page's
  Content-Security-Policy forbids script and any fetch should something get past it.

Examples
--------
>>> body, _ = PostmortemHTMLExporter().from_filename("investigation.ipynb")  # doctest: +SKIP

or, once the package is installed, ``jupyter nbconvert --to postmortem_html nb.ipynb``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import mistune
from nbconvert.exporters import HTMLExporter
from traitlets import default

from postmortem_kit.document.html import CONTENT_SECURITY_POLICY, DOCUMENT_CSS
from postmortem_kit.exporters.base import ReportExporter

# What a static page can show, best first. No widget views or JavaScript: nothing runs.
HTML_PRIORITY = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown",
                 "text/latex", "text/plain"]


def markdown_to_escaped_html(source: str) -> str:
    """Markdown output (not cells) to HTML with raw HTML escaped: it may quote log lines."""
    return str(mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])(
        source))


class PostmortemHTMLExporter(ReportExporter, HTMLExporter):
    """Export an investigation notebook as the code-free, offline HTML postmortem report."""

    export_from_notebook = "Postmortem report (HTML)"
    report_template = "postmortem_html"
    display_priority = HTML_PRIORITY

    @default("exclude_anchor_links")
    def _exclude_anchor_links_default(self) -> bool:
        return True

    @default("embed_images")
    def _embed_images_default(self) -> bool:
        return True  # pictures in Markdown cells too: the page must stand alone

    def default_filters(self) -> Iterator[tuple[str, Any]]:
        """The report's filters and ``markdown2safehtml`` for Markdown outputs."""
        yield from super().default_filters()
        yield ("markdown2safehtml", markdown_to_escaped_html)

    def _init_resources(self, resources: dict[str, Any]) -> dict[str, Any]:
        """nbconvert's resources, the page's policy and the document's CSS."""
        resources = super()._init_resources(resources)
        resources["content_security_policy"] = CONTENT_SECURITY_POLICY
        # The document output's own <style> does not survive the sanitiser: the page has it.
        resources["document_css"] = DOCUMENT_CSS
        return resources
