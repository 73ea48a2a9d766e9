"""Small hand-built notebooks with everything a report must drop, keep or escape."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import matplotlib
import nbformat.v4 as v4
import pytest
from nbformat import NotebookNode

matplotlib.use("Agg")

HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror=alert(1)>"
WIDGET_VIEW = {"model_id": "0f3c", "version_major": 2, "version_minor": 0}


# Attributes that run script or make the browser fetch or navigate by themselves.
ACTIVE_ATTRIBUTES = {"srcset", "background", "poster", "action", "formaction", "ping", "data",
                     "xlink:href", "http-equiv", "content", "srcdoc", "dynsrc", "lowsrc", "code"}
ACTIVE_TAGS = {"script", "style", "svg", "math", "iframe", "frame", "object", "embed", "applet",
               "meta", "link", "base", "form", "input", "button", "noscript", "template",
               "video", "audio", "source", "picture", "xmp", "body", "html", "head", "title"}
LINK_SCHEMES = ("http:", "https:", "mailto:")


class Parsed(HTMLParser):
    """Start tags with their attributes; text outside raw-text elements, and where it is.

    For markup the sanitiser wrote (well-formed, every end tag written out); the browser
    tests check what browsers make of the rest.
    """

    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.inside: dict[str, tuple[str, ...]] = {}  # text -> the elements around it
        self._open: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in self.VOID:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - self._open[::-1].index(tag) - 1:]

    def handle_data(self, data: str) -> None:
        if data.strip() and not {"style", "script"} & set(self._open):
            self.text.append(data.strip())
            self.inside[data.strip()] = tuple(self._open)


def only(tag: str, html: str) -> dict[str, str]:
    """The attributes of the one element ``html`` holds, which must be a ``tag``."""
    (found, attrs), = Parsed(html).elements
    assert found == tag
    return attrs


def problems(html: str) -> list[str]:
    """What in sanitised ``html`` could still run or load, named."""
    # Python's parser and browsers disagree about comments ("<!-->"): none may be left.
    found = ["comment"] if "<!--" in html else []
    for tag, attrs in Parsed(html).elements:
        if tag in ACTIVE_TAGS:
            found.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in ACTIVE_ATTRIBUTES:
                found.append(f"{tag} {name}")
            if tag == "img" and name == "src" and not value.startswith("data:image/"):
                found.append(f"img src={value!r}")
            if name == "href" and re.match(r"\s*[a-z][a-z0-9+.-]*:", re.sub(r"[\t\n\r]", "", value),
                                           re.IGNORECASE) and not value.startswith(LINK_SCHEMES):
                found.append(f"{tag} href={value!r}")
            if name == "style" and re.search(r"url|image|@import|\\", value, re.IGNORECASE):
                found.append(f"{tag} style={value!r}")
    return found


def png_bytes() -> bytes:
    """A real (tiny) PNG, so a browser or decoder would accept it."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    ax.plot([0, 1], [0, 1])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def png() -> bytes:
    return png_bytes()


@pytest.fixture
def notebook(png: bytes) -> NotebookNode:
    """Code, stdout with hostile text, stderr warnings, a widget view, a picture, tags."""
    b64 = base64.b64encode(png).decode("ascii")
    nb = v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells = [
        v4.new_markdown_cell("# Findings\n\nThe *first* paragraph."),
        v4.new_code_cell("print(log_line)  # SOURCE-CODE-MARKER", outputs=[
            v4.new_output("stream", name="stdout", text=f"log: {HOSTILE}\n"),
            v4.new_output("stream", name="stderr",
                          text="/x.py:3: UserWarning: STDERR-WARNING-MARKER\n"),
        ]),
        v4.new_code_cell("form", outputs=[v4.new_output(
            "display_data", data={"application/vnd.jupyter.widget-view+json": WIDGET_VIEW,
                                  "text/plain": "VBox(children=(WIDGET-REPR-MARKER,))"})]),
        v4.new_code_cell("fig", outputs=[v4.new_output(
            "display_data", data={"image/png": b64, "text/plain": "<Figure size 100x100>"})]),
        v4.new_code_cell("secret = 1", metadata={"tags": ["remove_cell"]}, outputs=[
            v4.new_output("stream", name="stdout", text="REMOVED-CELL-MARKER\n")]),
        v4.new_code_cell("shown()", metadata={"tags": ["remove_input"]}, outputs=[
            v4.new_output("execute_result", execution_count=5,
                          data={"text/plain": f"KEPT-OUTPUT-MARKER {HOSTILE}"})]),
        v4.new_code_cell("1 / 0", outputs=[v4.new_output(
            "error", ename="ZeroDivisionError", evalue="division by zero",
            traceback=["\x1b[31mTRACEBACK-CODE-MARKER\x1b[0m", "1 / 0"])]),
        v4.new_code_cell("js", outputs=[v4.new_output(
            "display_data", data={"application/javascript": "window.__pwned = 2",
                                  "text/plain": "JS-FALLBACK-MARKER"})]),
    ]
    return nb
