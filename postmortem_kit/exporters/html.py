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

from importlib import resources
from pathlib import Path
from typing import Any

import mistune
from nbconvert.exporters import HTMLExporter
from traitlets import default
from traitlets.config import Config

from postmortem_kit.document.html import CONTENT_SECURITY_POLICY
from postmortem_kit.exporters.preprocessors import ReportOutputsPreprocessor
from postmortem_kit.exporters.sanitize import sanitize_html

TEMPLATES = str(resources.files("postmortem_kit.exporters") / "templates")

# Shared with the Markdown exporter: the report cuts the same cells and outputs.
REPORT_CONFIG = {
    "TagRemovePreprocessor": {
        "enabled": True,
        "remove_cell_tags": {"remove_cell"},
        "remove_input_tags": {"remove_input"},
        "remove_all_outputs_tags": {"remove_output"},
    },
    "CoalesceStreamsPreprocessor": {"enabled": True},
    "ReportOutputsPreprocessor": {"enabled": True},
    "MarkdownImagesPreprocessor": {"enabled": True},
}

# What a static page can show, best first. No widget views or JavaScript: nothing runs.
HTML_PRIORITY = ["text/html", "image/svg+xml", "image/png", "image/jpeg", "text/markdown",
                 "text/latex", "text/plain"]


def markdown_to_escaped_html(source: str) -> str:
    """Markdown output (not cells) to HTML with raw HTML escaped: it may quote log lines."""
    return str(mistune.create_markdown(escape=True, plugins=["table", "strikethrough"])(
        source))


def insert_before_extraction(preprocessors: list[Any], *extra: Any) -> list[Any]:
    """``preprocessors`` with ``extra`` just before output extraction (or at the end).

    Outputs must be filtered before nbconvert extracts their images to files, or a
    dropped output would still leave its picture behind.
    """
    names = [p if isinstance(p, str) else getattr(p, "__name__", "") for p in preprocessors]
    at = next((i for i, n in enumerate(names) if n.endswith("ExtractOutputPreprocessor")),
              len(preprocessors))
    return [*preprocessors[:at], *extra, *preprocessors[at:]]


class PostmortemHTMLExporter(HTMLExporter):
    """Export an investigation notebook as the code-free, offline HTML postmortem report."""

    export_from_notebook = "Postmortem report (HTML)"

    @default("template_name")
    def _template_name_default(self) -> str:
        return "postmortem_html"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [TEMPLATES]

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self) -> bool:
        return True

    @default("exclude_anchor_links")
    def _exclude_anchor_links_default(self) -> bool:
        return True

    @default("embed_images")
    def _embed_images_default(self) -> bool:
        return True  # pictures in Markdown cells too: the page must stand alone

    @default("default_preprocessors")
    def _default_preprocessors_default(self) -> list[Any]:
        nbconvert_defaults = HTMLExporter.class_traits()["default_preprocessors"].default()
        return insert_before_extraction(list(nbconvert_defaults), ReportOutputsPreprocessor)

    def default_filters(self) -> Any:
        """nbconvert's filters, ``markdown2safehtml`` and ``sanitize_html`` (see the template)."""
        yield from super().default_filters()
        yield ("markdown2safehtml", markdown_to_escaped_html)
        yield ("sanitize_html", sanitize_html)

    def _init_resources(self, resources: dict[str, Any]) -> dict[str, Any]:
        """nbconvert's resources, the page's policy and the document's CSS."""
        resources = super()._init_resources(resources)
        resources["content_security_policy"] = CONTENT_SECURITY_POLICY
        # The document output's own <style> does not survive the sanitiser: the page has it.
        resources["document_css"] = (Path(TEMPLATES) / "document" / "fragment.css").read_text(
            encoding="utf-8")
        return resources

    @property
    def default_config(self) -> Config:
        """nbconvert's defaults, then the report's (user configuration still wins)."""
        c = Config({**REPORT_CONFIG,
                    "NbConvertBase": {"display_data_priority": HTML_PRIORITY}})
        base = super().default_config.copy()
        base.merge(c)
        return base
