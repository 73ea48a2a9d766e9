"""Allow-list HTML sanitising of what a notebook puts into a report.

An output's ``text/html`` reaches the report as markup (a pandas table must stay a table),
and so does the HTML of Markdown cells; a notebook from elsewhere can hold anything there.
:func:`sanitize_html` keeps only markup that can neither run nor fetch. It is nh3, the
binding of the Rust ammonia crate, whose html5ever parser reads markup the way browsers do
(comments, ``<svg>``/``<math>`` foreign content, entities in URLs), with an allow-list:

- tags for text, headings, lists, tables, figures and images; ``<svg>``, ``<math>``,
  ``<style>``, ``<script>``, frames, embeds and templates go with everything inside them;
  any other tag (``<meta>``, ``<base>``, ``<link>``, forms) is dropped, its text kept;
- attributes: ``class``, ``id``, ``title``, ``lang``, ``dir`` and ``style`` anywhere, table
  layout (``border``, ``colspan``, ``scope``...), ``href`` on links, ``src``/``alt`` on
  images; no event handlers, no ``srcset``, ``background``, ``ping`` or ``formaction``;
- ``style`` keeps only properties that take no URL (:data:`STYLE_PROPERTIES`), so no
  ``url()``, ``image-set()`` or ``@import``, however escaped, can load anything;
- links go to http(s), mailto, an anchor or a relative path; images must be
  ``data:image/...`` URLs, so nothing is fetched when the page opens.

What a report loses: pandas ``Styler`` colours (they live in a ``<style>`` element) and
inline ``<svg>`` inside HTML outputs. ``image/svg+xml`` outputs are shown through
``<img src="data:image/svg+xml;base64,...">``, where browsers never run script, and the
document's own CSS is part of the page template.

Examples
--------
>>> sanitize_html('<table class="dataframe"><tr><td onclick="x()">1</td></tr></table>')
'<table class="dataframe"><tbody><tr><td>1</td></tr></tbody></table>'
>>> sanitize_html('<img src="https://cdn.example/x.png" alt="x">')
'<img alt="x">'
"""

from __future__ import annotations

import re

import nh3

TAGS = frozenset({
    "a", "abbr", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption",
    "cite", "code", "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt",
    "em", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp",
    "section", "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td",
    "tfoot", "th", "thead", "time", "tr", "u", "ul", "var", "wbr",
})

# Removed together with their content: code, CSS, foreign content (parsed differently
# from HTML, the source of mutation XSS), embedded documents, and text nobody should see.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "svg", "math", "template", "noscript", "iframe", "frame", "frameset",
    "object", "embed", "applet", "noembed", "noframes", "xmp", "title", "select",
})

ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir", "style"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "table": {"border", "cellpadding", "cellspacing"},
    "td": {"colspan", "rowspan", "headers", "align", "valign"},
    "th": {"colspan", "rowspan", "headers", "scope", "abbr", "align", "valign", "halign"},
    "tr": {"align", "valign"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "time": {"datetime"},
    "details": {"open"},
}

#: ``style`` properties kept: none of them takes a URL or an image, so an allowed
#: declaration cannot fetch anything whatever its value says.
STYLE_PROPERTIES = frozenset({
    "color", "background-color", "opacity",
    "font-family", "font-size", "font-style", "font-variant", "font-weight", "line-height",
    "letter-spacing", "text-align", "text-decoration", "text-indent", "text-transform",
    "vertical-align", "white-space", "word-break", "overflow-wrap",
    "width", "min-width", "max-width", "height", "min-height", "max-height",
    "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "border-radius",
})

# Links a reader may follow by clicking. Images: data: URLs of picture types only.
_LINK_SCHEME = re.compile(r"(?:https?|mailto):", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpe?g|gif|webp|avif|bmp|svg\+xml)[;,]",
                         re.IGNORECASE)
# What the WHATWG URL parser ignores before reading a scheme: tab and newlines anywhere,
# C0 controls and spaces at the ends (so "java\tscript:" is a javascript: URL).
_URL_IGNORED = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def _is_relative_reference(url: str) -> bool:
    """``url`` is an anchor or a path beside the report: no scheme, no other host."""
    url = _URL_IGNORED.sub("", url).strip(_C0_AND_SPACE)
    if "\\" in url or url.startswith("//"):
        return False  # "//host" and "/\host" (a backslash is a slash in URLs) name a host
    return _SCHEME.match(url) is None


def _keep_url(tag: str, attribute: str, value: str) -> str | None:
    """The attribute filter: URLs a report may hold; everything else passes unchanged."""
    if tag == "a" and attribute == "href":
        return value if _LINK_SCHEME.match(value) or _is_relative_reference(value) else None
    if tag == "img" and attribute == "src":
        return value if _DATA_IMAGE.match(value) else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    attribute_filter=_keep_url,
    strip_comments=True,
    link_rel="noopener noreferrer",
    url_schemes={"http", "https", "mailto", "data"},
    filter_style_properties=set(STYLE_PROPERTIES),
)


def sanitize_html(html: str) -> str:
    """``html`` with only markup that cannot run script or load anything (see module doc).

    Parameters
    ----------
    html
        An HTML fragment: notebook outputs, a page's cells. Not a whole page: ``<head>``
        content (``<meta>``, ``<style>``) is removed.

    Returns
    -------
    str
        The fragment, re-serialised from the parsed tree (well-formed, balanced tags).
    """
    return _CLEANER.clean(html)
