"""``postmortem_md``: an executed investigation notebook as a code-free Markdown report.

A subclass of nbconvert's :class:`~nbconvert.exporters.MarkdownExporter` with the HTML
report's cuts (no code, no widget views, no stderr, tags honoured) and Markdown first in the
display priority, so the document shows in the template's exact layout rather than as HTML.

An output shown as HTML (a pandas table) goes through the same allow-list sanitiser as the
HTML report (:func:`~postmortem_kit.exporters.sanitize.sanitize_html`): a Markdown viewer
renders that HTML as it stands.

Pictures go beside the report in ``<name>_files/`` (nbconvert's default, written by its
``FilesWriter`` or ``postmortem export``); with ``embed_images=True`` they stay inside the
file as ``data:`` URLs, one file to mail around.

Examples
--------
>>> exporter = PostmortemMarkdownExporter(embed_images=True)  # doctest: +SKIP
>>> text, resources = exporter.from_filename("investigation.ipynb")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from nbconvert.exporters import MarkdownExporter
from traitlets import Bool

from postmortem_kit.exporters.base import ReportExporter
from postmortem_kit.exporters.preprocessors import (
    MarkdownImagesPreprocessor,
    ReportOutputsPreprocessor,
)
from postmortem_kit.exporters.redact import RedactOutputsPreprocessor

# The document's own Markdown beats its HTML; tables from pandas fall back to HTML, which
# Markdown renderers show, before their fixed-width text.
MARKDOWN_PRIORITY = ["text/markdown", "image/png", "image/jpeg", "image/svg+xml", "text/html",
                     "text/latex", "text/plain"]


class PostmortemMarkdownExporter(ReportExporter, MarkdownExporter):
    """Export an investigation notebook as the code-free Markdown postmortem report."""

    export_from_notebook = "Postmortem report (Markdown)"
    report_template = "postmortem_md"
    display_priority = MARKDOWN_PRIORITY
    report_preprocessors = (ReportOutputsPreprocessor, RedactOutputsPreprocessor,
                            MarkdownImagesPreprocessor)

    embed_images = Bool(
        False, help="Embed pictures as data: URLs instead of writing them to <name>_files/."
    ).tag(config=True)

    # nbconvert annotates Exporter's method with the notebook exporter's return type; its
    # template exporters (this one's base) return text.
    def from_notebook_node(  # type: ignore[override]
            self, nb: Any, resources: dict[str, Any] | None = None,
            **kw: Any) -> tuple[str, dict[str, Any]]:
        """Convert, extracting pictures to files unless ``embed_images`` is set."""
        extract = not self.embed_images
        for preprocessor in self._preprocessors:
            name = type(preprocessor).__name__
            if name in ("ExtractOutputPreprocessor", "MarkdownImagesPreprocessor"):
                preprocessor.enabled = extract
        return super().from_notebook_node(nb, resources, **kw)
