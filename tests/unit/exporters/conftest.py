"""Small hand-built notebooks with everything a report must drop, keep or escape."""

from __future__ import annotations

import base64
import io

import matplotlib
import nbformat.v4 as v4
import pytest
from nbformat import NotebookNode

matplotlib.use("Agg")

HOSTILE = "<script>window.__pwned = 1</script><img src=x onerror=alert(1)>"
WIDGET_VIEW = {"model_id": "0f3c", "version_major": 2, "version_minor": 0}


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
