"""How a :class:`~postmortem_kit.document.model.Postmortem` shows in a notebook and its report.

A live widget has no offline view, so the report notebook ends by displaying the document
itself. :func:`mimebundle` gives the three representations the exporters pick from:

- ``text/html``: the document in the template's layout as an HTML fragment with scoped CSS
  (it sits inside JupyterLab or the exported page, so it must not restyle ``body``); charts
  listed under supporting documentation are embedded as ``data:`` images, so the output
  carries them wherever the notebook goes;
- ``text/markdown``: ``pm.to_markdown()`` (the template's exact layout) followed, inside the
  Supporting Documentation section, by the charts as ``data:`` images, which the Markdown
  exporter moves into ``<name>_files/`` (or keeps embedded);
- ``text/plain``: one line for consoles.

All document text goes through Jinja2 autoescaping or Markdown escaping; a log line holding
``<script>`` shows as text.
"""

from __future__ import annotations

import base64
import mimetypes
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from postmortem_kit.document.html import (
    DOCUMENT_CSS,
    report_sections,
    report_template,
    safe_href,
    zone_note,
)
from postmortem_kit.document.model import Postmortem

#: Supporting-documentation links with these suffixes are shown as pictures when the file
#: exists next to the document.
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg"}
_SUPPORTING = "## Supporting Documentation"
#: The document's own representation in a notebook output (JSON and charts): what a
#: redacted export redacts field by field.
DOCUMENT_MIME = "application/vnd.postmortem-kit.document+json"


@dataclass(frozen=True)
class Chart:
    """A local picture a supporting-documentation link points at, ready to embed."""

    title: str
    url: str
    mime: str
    data: bytes

    @property
    def data_uri(self) -> str:
        """``data:<mime>;base64,...``: the picture inside the page, nothing fetched."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def local_charts(pm: Postmortem, base_dir: str | os.PathLike[str] = ".") -> dict[str, Chart]:
    """The supporting-documentation links that are pictures on disk, by URL.

    Parameters
    ----------
    pm
        The document.
    base_dir
        Folder relative URLs are resolved against: the folder of ``postmortem.json``, which
        is where :func:`~postmortem_kit.plots.save_figure` makes them relative to.

    Returns
    -------
    dict
        ``url -> Chart`` for each link with a relative URL, an image suffix and an existing
        file; links to anything else (web pages, missing files) stay links. A PNG or JPEG
        with an SVG of the same name beside it (``save_figure`` writes both) is shown as
        the SVG: vectors print sharp, and a redacted report can read their labels. When
        both are linked, the SVG's link shows the chart and the PNG's stays a link.
    """
    charts: dict[str, Chart] = {}
    linked = {link.url for link in pm.supporting_documentation}
    for link in pm.supporting_documentation:
        parts = urlsplit(link.url)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        path = Path(base_dir) / unquote(parts.path)
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            continue
        twin = path.with_suffix(".svg")
        if path.suffix.lower() != ".svg" and twin.is_file():
            if PurePosixPath(parts.path).with_suffix(".svg").as_posix() in linked:
                continue  # the SVG's own link shows the chart; this one stays a link
            path = twin  # the vector twin save_figure writes: sharp in print, readable text
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        charts[link.url] = Chart(link.title, link.url, mime, path.read_bytes())
    return charts


def to_html_fragment(pm: Postmortem, base_dir: str | os.PathLike[str] = ".",
                     charts: Mapping[str, Chart] | None = None) -> str:
    """The document as an HTML fragment (``<article class="pmk-report">``) with its CSS.

    Parameters
    ----------
    pm
        The document.
    base_dir
        Folder of ``postmortem.json``: local chart links are embedded from there.
    charts
        The pictures to show instead (:func:`local_charts`); ``base_dir`` is then unused.

    Examples
    --------
    >>> html = to_html_fragment(Postmortem(title="Cache <outage>"))
    >>> "Cache &lt;outage&gt;" in html and html.startswith("<style>")
    True
    """
    return report_template("fragment.html.j2").render(
        pm=pm, css=DOCUMENT_CSS, sections=report_sections(pm), zone_note=zone_note(pm),
        charts=dict(local_charts(pm, base_dir) if charts is None else charts),
        safe_href=safe_href, footer=None)


def to_markdown_with_charts(pm: Postmortem, base_dir: str | os.PathLike[str] = ".",
                            charts: Mapping[str, Chart] | None = None) -> str:
    """``pm.to_markdown()`` with the local charts shown under Supporting Documentation.

    The template's layout is kept line for line; the pictures are added as ``data:`` image
    paragraphs at the end of the Supporting Documentation section, after its link list.
    ``charts`` (:func:`local_charts`) replaces the ones found from ``base_dir``.
    """
    text = pm.to_markdown()
    charts = local_charts(pm, base_dir) if charts is None else charts
    if not charts:
        return text
    images = "".join(f"\n![{_alt(c.title)}]({c.data_uri})\n" for c in charts.values())
    start = text.find(f"\n{_SUPPORTING}\n")
    if start < 0:  # pragma: no cover - the renderer always writes every heading
        return text + images
    end = text.find("\n## ", start + len(_SUPPORTING) + 2)
    end = len(text) if end < 0 else end
    return text[:end].rstrip("\n") + "\n" + images + text[end:]


def _alt(title: str) -> str:
    # Brackets, backslashes and line breaks would end the alt text early.
    return re.sub(r"([\\\[\]])", r"\\\1", " ".join(title.split()))


def mimebundle(pm: Postmortem, base_dir: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """The notebook display of ``pm``: ``text/html``, ``text/markdown``, ``text/plain`` and
    the document itself (:data:`DOCUMENT_MIME`).

    This is what ``Postmortem._repr_mimebundle_`` returns (charts resolved against the
    kernel's working folder, which is the notebook's); :class:`Report` resolves them
    against the folder of the document's file. The document's JSON and its charts ride
    along so a redacted export redacts the document field by field and renders it again
    (:mod:`postmortem_kit.exporters.redact`); no report shows that representation.
    """
    start, end = pm.overview.start, pm.overview.end
    window = f", {start:%Y-%m-%d %H:%M} to {end:%H:%M} UTC" if start and end else ""
    charts = local_charts(pm, base_dir)
    return {
        "text/html": to_html_fragment(pm, charts=charts),
        "text/markdown": to_markdown_with_charts(pm, charts=charts),
        "text/plain": f"Postmortem: {pm.title}{window}",
        DOCUMENT_MIME: document_payload(pm, charts),
    }


def document_payload(pm: Postmortem, charts: Mapping[str, Chart]) -> dict[str, Any]:
    """The :data:`DOCUMENT_MIME` representation: the document's JSON and its charts."""
    return {"document": pm.model_dump(mode="json"),
            "charts": {url: {"title": c.title, "mime": c.mime,
                             "data": base64.b64encode(c.data).decode("ascii")}
                       for url, c in charts.items()}}


def read_payload(payload: Mapping[str, Any]) -> tuple[Postmortem, dict[str, Chart]]:
    """The document and charts of a :data:`DOCUMENT_MIME` representation.

    Raises
    ------
    DocumentError
        When the payload does not hold a valid document.
    """
    from postmortem_kit.document.storage import from_dict

    pm = from_dict(payload.get("document"), "the notebook's document output")
    charts = {}
    for url, item in (payload.get("charts") or {}).items():
        charts[url] = Chart(str(item.get("title", "")), url, str(item.get("mime", "")),
                            base64.b64decode(str(item.get("data", ""))))
    return pm, charts


class Report:
    """Display a ``postmortem.json`` in the notebook and its exported report.

    Parameters
    ----------
    document
        The :class:`Postmortem`, or the path of its JSON file (read when displayed, so the
        report shows what the form last saved).
    base_dir
        Folder chart links are relative to; by default the JSON file's folder, else ``.``.

    Examples
    --------
    >>> Report("postmortem.json")  # doctest: +SKIP
    """

    def __init__(self, document: Postmortem | str | os.PathLike[str],
                 base_dir: str | os.PathLike[str] | None = None) -> None:
        self._document = document
        if base_dir is None:
            base_dir = "." if isinstance(document, Postmortem) else Path(document).parent
        self.base_dir = Path(base_dir)

    @property
    def document(self) -> Postmortem:
        """The document, loaded from its file when given a path."""
        if isinstance(self._document, Postmortem):
            return self._document
        return Postmortem.load(self._document)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return mimebundle(self.document, self.base_dir)
