"""Preprocessors that turn an executed investigation notebook into a report's content.

They run inside the postmortem exporters (:mod:`postmortem_kit.exporters.html`,
:mod:`postmortem_kit.exporters.markdown`) before the template sees the notebook:

- :class:`ReportOutputsPreprocessor` drops what a report reader must never see: live widget
  views (an executed widget has no offline view; the notebook displays the rendered document
  instead), standard error (warnings, progress bars, log chatter) and tracebacks (reduced
  to one ``Error: message`` line, so a failed cell is still visible without its code);
- :class:`MarkdownImagesPreprocessor` moves ``data:`` images out of ``text/markdown``
  outputs into ``<name>_files/`` beside the Markdown report, the way nbconvert's
  ``ExtractOutputPreprocessor`` does for ``image/png`` outputs.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
import re
from typing import Any
from urllib.parse import quote

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool, Unicode

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "widgets"  # notebook metadata key of the saved widget state
# Representations a static report cannot show or must not run.
_DROPPED_MIMES = (WIDGET_VIEW, "application/javascript",
                  "application/vnd.jupyter.widget-state+json")
_DATA_IMAGE = re.compile(r"\]\(data:(image/(?:png|jpeg|gif|svg\+xml));base64,([A-Za-z0-9+/=\s]+)\)")


class ReportOutputsPreprocessor(Preprocessor):
    """Keep only what belongs in a report: no widget views, stderr or tracebacks.

    An output with a widget view loses the view and its ``text/plain`` (only the widget's
    Python repr, ``VBox(children=...)``); it survives only when the widget also offered a
    rich static form (``text/html``, an image), which then stands in for it. Other outputs
    lose their script-like representations (``application/javascript``) but keep the rest.
    """

    keep_stderr = Bool(False, help="Keep standard-error streams (warnings, logging).").tag(
        config=True)
    keep_errors = Bool(True, help="Show a failed cell as one 'Error: message' line.").tag(
        config=True)

    def preprocess(self, nb: NotebookNode, resources: dict[str, Any]):
        """Drop the saved widget state (nothing in a report can use it), then each cell."""
        nb.metadata.pop(WIDGET_STATE, None)
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int):
        """Filter one code cell's outputs."""
        if cell.cell_type != "code":
            return cell, resources
        kept = []
        for output in cell.get("outputs", []):
            output = self._filter(output)
            if output is not None:
                kept.append(output)
        cell.outputs = kept
        return cell, resources

    def _filter(self, output: NotebookNode) -> NotebookNode | None:
        kind = output.get("output_type")
        if kind == "stream":
            return output if output.get("name") != "stderr" or self.keep_stderr else None
        if kind == "error":
            if not self.keep_errors:
                return None
            # A traceback shows code (and ANSI escapes); the reader needs only what failed.
            line = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".rstrip(": ")
            return NotebookNode(output_type="stream", name="stdout", text=line + "\n")
        if kind in ("display_data", "execute_result"):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                # A widget's text/plain is its Python repr; a rich fallback it offers
                # (the form's rendered document, say) is what the report shows instead.
                data.pop("text/plain", None)
            for mime in _DROPPED_MIMES:
                data.pop(mime, None)
            if not data:
                return None
        return output


class MarkdownImagesPreprocessor(Preprocessor):
    """Move ``data:`` images of ``text/markdown`` outputs into the report's files folder.

    nbconvert's ``ExtractOutputPreprocessor`` handles ``image/png`` outputs; the rendered
    document carries its charts inside its Markdown, so they need the same treatment.
    Disabled (``embed_images``), the pictures stay inline as ``data:`` URLs.
    """

    output_filename_template = Unicode("{unique_key}_chart_{where}_{index}{extension}").tag(
        config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int):
        """Rewrite the Markdown outputs of one cell, registering each picture as a file."""
        if cell.cell_type != "code":
            return cell, resources
        for number, output in enumerate(cell.get("outputs", [])):
            text = output.get("data", {}).get("text/markdown")
            if isinstance(text, str) and "](data:image/" in text:
                output.data["text/markdown"] = self._extract(text, resources,
                                                             f"{index}_{number}")
        return cell, resources

    def _extract(self, text: str, resources: dict[str, Any], where: str) -> str:
        outputs = resources.setdefault("outputs", {})
        files_dir = resources.get("output_files_dir")
        pieces, last = [], 0
        for count, match in enumerate(_DATA_IMAGE.finditer(text)):
            mime, payload = match.group(1), match.group(2)
            try:
                data = base64.b64decode("".join(payload.split()), validate=True)
            except binascii.Error:
                continue  # not ours to fix: that picture stays embedded
            name = self.output_filename_template.format(
                unique_key=resources.get("unique_key", "output"), where=where, index=count,
                extension=mimetypes.guess_extension(mime) or ".bin")
            if files_dir is not None:
                name = os.path.join(files_dir, name)
            outputs[name] = data
            pieces += [text[last:match.start()], f"]({quote(name.replace(os.sep, '/'))})"]
            last = match.end()
        return "".join([*pieces, text[last:]])
