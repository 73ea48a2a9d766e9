"""A postmortem document as a report file: Markdown, HTML or PDF, redacted when asked.

The function behind ``postmortem render``. HTML and PDF show the document's local charts
(SVG when there is one); a redacted report is made from a redacted copy of the document
(the original and its file are never changed), its charts' labels redacted too, and carries
the audit: in a ``<meta>`` and the footer of HTML and PDF, at the end of Markdown.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Literal

from postmortem_kit.errors import RedactionError

if TYPE_CHECKING:  # pragma: no cover
    from postmortem_kit.document.display import Chart
    from postmortem_kit.document.model import Postmortem
    from postmortem_kit.exporters.pdf import Paper
    from postmortem_kit.redact.redactor import Redactor

DocumentFormat = Literal["md", "html", "pdf"]


def redact_charts(charts: dict[str, Chart], redactor: Redactor) -> dict[str, Chart]:
    """``charts`` for a redacted report: SVG labels redacted, other pictures withheld."""
    from postmortem_kit.document.display import Chart
    from postmortem_kit.redact.markup import redact_picture

    out = {}
    for url, chart in charts.items():
        svg = redact_picture(chart.mime, chart.data, redactor, url)
        out[url] = Chart(chart.title, url, "image/svg+xml", svg.encode("utf-8"))
    return out


def chart_residual(charts: dict[str, Chart], redactor: Redactor) -> list[tuple[str, str]]:
    """``(url, kind)`` for what a detector still finds in the (redacted) charts' text."""
    from postmortem_kit.redact.charts import svg_texts
    from postmortem_kit.redact.redactor import residual_problems

    items = [(url, text) for url, chart in charts.items() if chart.mime == "image/svg+xml"
             for text in svg_texts(chart.data.decode("utf-8", "replace"))]
    return residual_problems(items, redactor)


def redaction_comment(pm: Postmortem) -> str:
    """The audit at the end of a redacted Markdown report: a line a reader sees and the
    audit as JSON in an HTML comment (which the Markdown reader skips)."""
    if pm.redaction is None:
        return ""
    audit = pm.redaction.model_dump_json().replace("--", "- -")
    return f"\n---\n*{pm.redaction.summary()}*\n<!-- postmortem-kit redaction: {audit} -->\n"


def render_document(pm: Postmortem, to: DocumentFormat, *,
                    base_dir: str | os.PathLike[str] = ".", redactor: Redactor | None = None,
                    strict: bool = False, paper: Paper = "a4") -> tuple[bytes, Postmortem]:
    """The report of ``pm`` as bytes, and the document it shows.

    Parameters
    ----------
    pm
        The document (not changed).
    to
        ``"md"``, ``"html"`` or ``"pdf"`` (HTML printed by headless Chromium).
    base_dir
        The document's folder: its chart links are resolved there.
    redactor
        Redact with it (:func:`~postmortem_kit.redact.sources.redactor_for`); the returned
        document is the redacted copy, its audit in ``redaction``.
    strict
        With ``redactor``: raise when a field or chart label still matches a detector.
    paper
        PDF paper: ``"a4"`` or ``"letter"``.

    Raises
    ------
    RedactionError
        ``strict`` and something is left (fields and kinds named, never the values).
    ToolError
        PDF without a Chromium.
    """
    from postmortem_kit.document.display import local_charts
    from postmortem_kit.document.html import render_html

    if redactor is not None:
        from postmortem_kit.redact.document import redact_document, residual
        from postmortem_kit.redact.redactor import describe_residual

        pm = redact_document(pm, redactor)
    charts = local_charts(pm, base_dir) if to != "md" else {}
    if redactor is not None:
        charts = redact_charts(charts, redactor)
        if strict:
            problems = sorted(set(residual(pm, redactor) + chart_residual(charts, redactor)))
            if problems:
                raise RedactionError("still matching a detector after redaction (--strict; "
                                     "nothing written): " + describe_residual(problems))
    if to == "md":
        return (pm.to_markdown() + redaction_comment(pm)).encode("utf-8"), pm
    html = render_html(pm, charts)
    if to == "html":
        return html.encode("utf-8"), pm
    from postmortem_kit.document.markdown_html import to_plain
    from postmortem_kit.exporters.pdf import html_to_pdf

    title = to_plain(pm.title) or "Postmortem"
    return html_to_pdf(html, title=title, severity=pm.overview.severity, paper=paper), pm
