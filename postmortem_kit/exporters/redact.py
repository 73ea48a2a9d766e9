"""Redacting a notebook's report: every cell and output the report shows.

:class:`RedactOutputsPreprocessor` runs in both report exporters after the report's cuts
(:class:`~postmortem_kit.exporters.preprocessors.ReportOutputsPreprocessor`) and before
nbconvert writes pictures to files. It does nothing unless the conversion's resources hold
a :class:`~postmortem_kit.redact.Redactor` under ``"redactor"`` (``postmortem export
--redact`` puts one there). Then each output keeps only the representation the report
shows (so what is counted is what is read), and Markdown cells, streams, text, HTML and
Markdown outputs and SVG pictures are redacted; PNG and JPEG outputs, which cannot be read
back, are withheld. What a detector still finds afterwards is left in
``resources["redaction_residual"]`` for ``--strict``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode

from postmortem_kit.document.display import DOCUMENT_MIME
from postmortem_kit.redact.markup import (
    Markup,
    readable_texts,
    redact_markup,
    redact_picture,
    svg_data_uri,
)
from postmortem_kit.redact.redactor import Redactor, residual_problems

_TEXT_MIMES: dict[str, Markup] = {"text/html": "html", "text/markdown": "markdown",
                                  "text/plain": "text", "text/latex": "text"}
_RASTER = ("image/png", "image/jpeg", "image/gif")
#: Cell metadata key holding the cell's index in the notebook as saved.
CELL_NUMBER = "postmortem_kit_cell"


class RedactOutputsPreprocessor(Preprocessor):
    """Redact what the report shows, with ``resources["redactor"]`` (none: do nothing)."""

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]):
        """Redact every cell; collect what still matches a detector."""
        redactor = resources.get("redactor")
        if not isinstance(redactor, Redactor):
            return nb, resources
        resources["redaction_readable"] = []
        nb, resources = super().preprocess(nb, resources)
        resources["redaction_residual"] = residual_problems(
            resources.pop("redaction_readable"), redactor)
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int):
        """Redact one cell's source (Markdown, raw; code only shows without exclude_input)
        and outputs."""
        redactor: Redactor = resources["redactor"]
        readable: list[tuple[str, str]] = resources["redaction_readable"]
        # The cell's place in the notebook as saved (render_report numbers them before
        # nbconvert drops the cells tagged remove_cell), not in what is left.
        where = f"cell {cell.get('metadata', {}).pop(CELL_NUMBER, index)}"
        kind: Markup = "markdown" if cell.cell_type == "markdown" else "text"
        if isinstance(cell.get("source"), str) and cell.source:
            cell.source = redact_markup(cell.source, redactor, where, kind)
            readable += [(where, t) for t in readable_texts(cell.source, kind)]
        for output in cell.get("outputs", []):
            self._output(output, redactor, where, readable)
        return cell, resources

    def _output(self, output: NotebookNode, redactor: Redactor, where: str,
                readable: list[tuple[str, str]]) -> None:
        if output.get("output_type") == "stream":
            output.text = redact_markup(output.get("text", ""), redactor, where)
            readable += [(where, t) for t in readable_texts(output.text)]
            return
        data = output.get("data")
        if not data:
            return
        shown = next((m for m in self.display_data_priority if m in data), None)
        if DOCUMENT_MIME in data and shown in ("text/html", "text/markdown"):
            output.data = NotebookNode({shown: self._document(data[DOCUMENT_MIME], shown,
                                                              redactor, readable)})
            return
        if shown is None:
            output.data = NotebookNode()
            return
        value = data[shown]
        if shown in _TEXT_MIMES:
            text = "".join(value) if isinstance(value, list) else str(value)
            text = redact_markup(text, redactor, where, _TEXT_MIMES[shown])
            output.data = NotebookNode({shown: text})
            readable += [(where, t) for t in readable_texts(text, _TEXT_MIMES[shown])]
        elif shown == "image/svg+xml" or shown in _RASTER:
            raw = value.encode("utf-8") if shown == "image/svg+xml" else _b64(value)
            svg = redact_picture(shown, raw, redactor, where)
            output.data = NotebookNode({"image/svg+xml": svg})
            readable += [(where, t) for t in readable_texts(svg_data_uri(svg))]
        else:  # nothing this preprocessor can read (a display priority set by hand)
            redactor.audit.withheld.append(where)
            output.data = NotebookNode({"text/plain": "[withheld from the redacted report]"})
        metadata = output.get("metadata") or {}
        if isinstance(metadata.get("alt"), str):
            metadata["alt"] = redactor.redact(metadata["alt"], where)


    @staticmethod
    def _document(payload: Any, shown: str, redactor: Redactor,
                  readable: list[tuple[str, str]]) -> str:
        """A postmortem's output rendered again from its redacted document: fields are
        redacted as fields (the audit names them: ``key_events[2].event``), as
        ``render --redact`` does, and its charts by their links."""
        from postmortem_kit.document.display import (
            read_payload,
            to_html_fragment,
            to_markdown_with_charts,
        )
        from postmortem_kit.exporters.document import redact_charts
        from postmortem_kit.redact.charts import svg_texts
        from postmortem_kit.redact.document import readable_fields, redact_document

        pm, charts = read_payload(payload)
        pm = redact_document(pm, redactor)
        pm.redaction = None  # the page's footer summarises the whole report instead
        # Captions are the links' titles, redacted with the document.
        titles = {link.url: link.title for link in pm.supporting_documentation}
        charts = {url: replace(chart, title=titles.get(url, ""))
                  for url, chart in redact_charts(charts, redactor).items()}
        readable += readable_fields(pm)
        readable += [(url, text) for url, chart in charts.items()
                     for text in svg_texts(chart.data.decode("utf-8", "replace"))]
        if shown == "text/html":
            return to_html_fragment(pm, charts=charts)
        return to_markdown_with_charts(pm, charts=charts)


def _b64(value: Any) -> bytes:
    try:
        return base64.b64decode("".join(str(value).split()), validate=True)
    except binascii.Error:
        return b""
