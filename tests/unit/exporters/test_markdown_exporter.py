"""``postmortem_md``: the HTML report's cuts, pictures in ``<name>_files/`` or embedded."""

from __future__ import annotations

import base64

from postmortem_kit.document import Postmortem, display
from postmortem_kit.exporters.markdown import PostmortemMarkdownExporter
from tests.unit.exporters.conftest import HOSTILE, problems

RESOURCES = {"unique_key": "report", "output_files_dir": "report_files"}


def test_code_widgets_stderr_and_tagged_cells_are_left_out(notebook):
    text, _ = PostmortemMarkdownExporter().from_notebook_node(notebook, dict(RESOURCES))
    for marker in ("SOURCE-CODE-MARKER", "WIDGET-REPR-MARKER", "STDERR-WARNING-MARKER",
                   "REMOVED-CELL-MARKER", "TRACEBACK-CODE-MARKER", "shown()"):
        assert marker not in text
    assert "# Findings" in text and "KEPT-OUTPUT-MARKER" in text


def test_output_text_is_fenced_so_markdown_cannot_read_it_as_markup(notebook):
    text, _ = PostmortemMarkdownExporter().from_notebook_node(notebook, dict(RESOURCES))
    fenced = text.split("```text\n")[1].split("```")[0]
    assert HOSTILE in fenced


def test_pictures_go_to_the_files_folder_by_default(notebook, png):
    text, resources = PostmortemMarkdownExporter().from_notebook_node(notebook,
                                                                      dict(RESOURCES))
    (name, data), = resources["outputs"].items()
    assert name.startswith("report_files/") and name.endswith(".png")
    assert data == png
    assert f"]({name})" in text and "data:image" not in text


def test_embed_images_keeps_pictures_inside_the_file(notebook, png):
    exporter = PostmortemMarkdownExporter(embed_images=True)
    text, resources = exporter.from_notebook_node(notebook, dict(RESOURCES))
    assert not resources.get("outputs")
    assert f"](data:image/png;base64,{base64.b64encode(png).decode()})" in text


def _document_notebook(tmp_path, png):
    import nbformat.v4 as v4

    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "overview.png").write_bytes(png)
    pm = Postmortem(title="Outage", supporting_documentation=[
        {"title": "Overview [PNG]", "url": "charts/overview.png"}])
    nb = v4.new_notebook()
    nb.cells = [v4.new_code_cell("Report(path)", outputs=[v4.new_output(
        "display_data", data=display.mimebundle(pm, tmp_path))])]
    return nb


def test_document_charts_are_moved_out_of_the_markdown_into_files(tmp_path, png):
    nb = _document_notebook(tmp_path, png)
    text, resources = PostmortemMarkdownExporter().from_notebook_node(nb, dict(RESOURCES))
    (name, data), = resources["outputs"].items()
    assert data == png and name.startswith("report_files/")
    assert f"![Overview \\[PNG\\]]({name})" in text
    # the document keeps the template's layout, the picture inside its section
    supporting = text.split("## Supporting Documentation\n")[1].split("## Follow-up")[0]
    # the title is Markdown: balanced brackets in link text need no escaping
    assert "- [Overview [PNG]](charts/overview.png)" in supporting
    assert name in supporting


def test_document_charts_stay_embedded_with_embed_images(tmp_path, png):
    nb = _document_notebook(tmp_path, png)
    text, resources = PostmortemMarkdownExporter(embed_images=True).from_notebook_node(
        nb, dict(RESOURCES))
    assert not resources.get("outputs")
    assert base64.b64encode(png).decode() in text


def test_html_outputs_and_html_raw_cells_are_sanitised():
    import nbformat.v4 as v4
    import pandas as pd

    from tests.data.xss import payloads

    hostile = "\n".join(payloads("issue_11"))
    table = pd.DataFrame({"service": ["checkout"], "errors": [326]})._repr_html_()
    notebook = v4.new_notebook(cells=[
        v4.new_code_cell("x", outputs=[v4.new_output("display_data", data={
            "text/html": table + hostile})]),
        v4.new_raw_cell(hostile, metadata={"raw_mimetype": "text/html"}),
    ])
    text, _ = PostmortemMarkdownExporter().from_notebook_node(notebook, dict(RESOURCES))
    assert problems(text) == []
    assert "evil.invalid" not in text and "__pwned" not in text
    assert '<table border="1" class="dataframe">' in text and "<td>checkout</td>" in text
