"""``postmortem_html``: an executed investigation notebook as one offline HTML report.

A subclass of nbconvert's :class:`~nbconvert.exporters.HTMLExporter` that changes defaults:

- no code and no prompts (``exclude_input``), cells tagged ``remove_cell`` / ``remove_input``
  / ``remove_output`` honoured;
- no widget views, stderr or tracebacks (:class:`~postmortem_kit.exporters.preprocessors.
  ReportOutputsPreprocessor`);
- its own template (``templates/postmortem_html``): one self-contained page, no script at
  all (the ``lab`` template pulls require.js and MathJax from CDNs), the CSS inline and
  printable, images as ``data:`` URLs.

Examples
--------
>>> body, _ = PostmortemHTMLExporter().from_filename("investigation.ipynb")  # doctest: +SKIP

or, once the package is installed, ``jupyter nbconvert --to postmortem_html nb.ipynb``.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import mistune
from bs4 import BeautifulSoup
from nbconvert.exporters import HTMLExporter
from traitlets import default
from traitlets.config import Config

from postmortem_kit.exporters.preprocessors import ReportOutputsPreprocessor

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


# Elements that run code or pull in other documents; a static report needs none of them.
_ACTIVE_TAGS = ("script", "iframe", "frame", "object", "embed", "applet", "base", "noscript")
_URL_ATTRIBUTES = ("src", "href", "srcset", "poster", "data", "action", "formaction",
                   "xlink:href")
_REMOTE = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"^\s*(?:javascript|vbscript|data:text/html)", re.IGNORECASE)
_CSS_REMOTE = re.compile(r"""@import[^;]*;|url\(\s*['"]?\s*(?:[a-z][a-z0-9+.-]*:)?//[^)]*\)""",
                         re.IGNORECASE)


def make_inert(html: str) -> str:
    """``html`` with nothing that runs or loads: the report's offline, no-script guarantee.

    Outputs' ``text/html`` is inserted as is (a pandas table must stay a table), so a
    library's repr could bring a ``<script>``, an event handler or a CDN stylesheet. This
    last pass removes script-like elements, ``on*`` handlers and ``javascript:`` URLs, and
    drops remote URLs from everything the page would fetch by itself (links to click on
    stay).
    """
    soup = BeautifulSoup(html, features="html.parser")
    for element in soup.find_all(_ACTIVE_TAGS):
        element.decompose()
    for style in soup.find_all("style"):
        if style.string and _CSS_REMOTE.search(style.string):
            style.string = _CSS_REMOTE.sub("none", style.string)  # fonts, @imports
    for element in soup.find_all(True):
        if "style" in element.attrs:
            element.attrs["style"] = _CSS_REMOTE.sub("none", str(element.attrs["style"]))
        for name in list(element.attrs):
            value = element.attrs[name]
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on") or (
                    name.lower() in _URL_ATTRIBUTES and _SCRIPT_URL.match(text)):
                del element.attrs[name]
            elif (name.lower() in _URL_ATTRIBUTES and element.name != "a"
                  and _REMOTE.match(text)):
                del element.attrs[name]  # <img>, <link>, <video>...: would fetch on load
    return str(soup)


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
        """nbconvert's filters and ``markdown2safehtml`` for Markdown outputs."""
        yield from super().default_filters()
        yield ("markdown2safehtml", markdown_to_escaped_html)

    def from_notebook_node(self, nb: Any, resources: dict[str, Any] | None = None,
                           **kw: Any) -> tuple[str, dict[str, Any]]:
        """Convert, then make the page inert (:func:`make_inert`)."""
        html, resources = super().from_notebook_node(nb, resources, **kw)
        return make_inert(html), resources

    @property
    def default_config(self) -> Config:
        """nbconvert's defaults, then the report's (user configuration still wins)."""
        c = Config({**REPORT_CONFIG,
                    "NbConvertBase": {"display_data_priority": HTML_PRIORITY}})
        base = super().default_config.copy()
        base.merge(c)
        return base
