"""``postmortem_html``: no code, widgets, stderr or scripts; pictures inside; text escaped."""

from __future__ import annotations

import base64
import re

from postmortem_kit.exporters.base import insert_before_extraction
from postmortem_kit.exporters.html import PostmortemHTMLExporter
from tests.unit.exporters.conftest import HOSTILE, Parsed, problems


def export(nb):
    body, _ = PostmortemHTMLExporter().from_notebook_node(nb)
    return body


def test_code_and_prompts_are_left_out(notebook):
    body = export(notebook)
    assert "SOURCE-CODE-MARKER" not in body
    assert "In&nbsp;[" not in body and "Out[" not in body
    assert "<h1" in body and "Findings" in body  # Markdown cells stay


def test_widget_views_stderr_and_tracebacks_are_dropped(notebook):
    body = export(notebook)
    assert "WIDGET-REPR-MARKER" not in body
    assert "widget-state" not in body and "widget-view" not in body
    assert "STDERR-WARNING-MARKER" not in body and "UserWarning" not in body
    assert "TRACEBACK-CODE-MARKER" not in body
    assert "ZeroDivisionError: division by zero" in body  # the failure stays visible


def test_remove_cell_and_remove_input_tags_are_honoured(notebook):
    body = export(notebook)
    assert "REMOVED-CELL-MARKER" not in body
    assert "KEPT-OUTPUT-MARKER" in body and "shown()" not in body


def test_images_are_embedded_as_data_urls(notebook, png):
    body = export(notebook)
    sources = re.findall(r'<img[^>]*\bsrc="([^"]+)"', body)
    assert sources == [f"data:image/png;base64,{base64.b64encode(png).decode()}"]


def test_page_has_no_script_and_fetches_nothing(notebook):
    body = export(notebook)
    assert re.search(r"<script", body, re.IGNORECASE) is None
    assert "JS-FALLBACK-MARKER" in body  # the JavaScript output fell back to its text
    assert re.search(r"""(src|href)=["']?(https?:)?//""", body) is None
    assert "cdnjs" not in body and "unpkg" not in body and "mathjax" not in body.lower()
    assert "@media print" in body


def test_hostile_output_text_is_escaped(notebook):
    body = export(notebook)
    assert HOSTILE not in body
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in body
    assert "onerror=alert(1)&gt;" in body


def test_user_configuration_still_wins(notebook):
    body, _ = PostmortemHTMLExporter(exclude_input=False).from_notebook_node(notebook)
    assert "SOURCE-CODE-MARKER" in body


def test_report_filter_runs_before_output_extraction():
    order = insert_before_extraction(["a.TagRemovePreprocessor", "b.ExtractOutputPreprocessor",
                                      "c.Other"], "mine")
    assert order == ["a.TagRemovePreprocessor", "mine", "b.ExtractOutputPreprocessor",
                     "c.Other"]
    assert insert_before_extraction(["x"], "mine") == ["x", "mine"]


def test_a_widget_with_a_static_fallback_shows_the_fallback(notebook):
    view = notebook.cells[2].outputs[0].data
    view["text/html"] = "<p>FORM-DOCUMENT-MARKER</p>"
    body = export(notebook)
    assert "FORM-DOCUMENT-MARKER" in body and "WIDGET-REPR-MARKER" not in body


def test_html_outputs_are_made_inert_and_offline(notebook):
    import nbformat.v4 as v4

    notebook.cells.append(v4.new_code_cell("lib_repr", outputs=[v4.new_output(
        "display_data", data={"text/html": (
            '<table><tr><td>TABLE-MARKER</td></tr></table>'
            "<script>window.__pwned = 3</script>"
            '<img src="https://cdn.example.com/x.png" onerror="window.__pwned = 4">'
            '<link rel="stylesheet" href="//cdn.example.com/x.css">'
            '<iframe src="https://example.com"></iframe>'
            '<a href="javascript:alert(1)">JS-LINK</a>'
            '<a href="https://runbooks.example.com/r">RUNBOOK-LINK</a>'
            "<style>@import url(https://fonts.example.com/f.css); td { color: red; }</style>"
            '<p style="background: url(//cdn.example.com/bg.png)">STYLED</p>')})]))
    body = export(notebook)
    assert "TABLE-MARKER" in body  # tables from pandas stay tables
    assert "__pwned = 3" not in body and "__pwned = 4" not in body
    assert "cdn.example.com" not in body and "<iframe" not in body
    assert "javascript:" not in body and "example.com/f.css" not in body
    # an output's <style> goes whole (the report's own CSS is in the page's head)
    assert "td { color: red; }" not in body and "@media print" in body
    assert 'href="https://runbooks.example.com/r"' in body  # a link to click stays


def test_markdown_outputs_escape_raw_html(notebook):
    import nbformat.v4 as v4

    notebook.cells.append(v4.new_code_cell("Markdown(line)", outputs=[v4.new_output(
        "display_data", data={"text/markdown": f"**MD-MARKER** {HOSTILE}"})]))
    body = export(notebook)
    assert "<strong>MD-MARKER</strong>" in body
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in body
    assert "<script" not in body


def cells_of(page: str) -> str:
    """The part of the page the notebook filled: between the template's <main> and footer."""
    return page.split('<main class="pmk-page">', 1)[1].split('<footer class="pmk-footer">')[0]


def test_every_way_markup_comes_in_is_sanitised(notebook):
    import nbformat.v4 as v4

    from tests.data.xss import payloads

    hostile = "\n\n".join(payloads("issue_11"))
    notebook.cells += [
        v4.new_markdown_cell(f"# Notes\n\n{hostile}\n\n![remote](https://evil.invalid/md.png)"),
        v4.new_raw_cell(hostile, metadata={"raw_mimetype": "text/html"}),
        v4.new_code_cell("x", outputs=[v4.new_output("display_data", data={
            "text/markdown": "![remote](https://evil.invalid/out.png) [js](javascript:x())"})]),
        v4.new_code_cell("x", outputs=[v4.new_output("display_data", data={
            "text/html": hostile})]),
    ]
    cells = cells_of(export(notebook))
    assert problems(cells) == []
    assert "evil.invalid" not in cells and "__pwned='" not in cells
    assert "<h1" in cells and "Notes" in cells  # the Markdown cell is still there


def test_one_broken_output_cannot_swallow_or_restyle_the_next(notebook):
    import nbformat.v4 as v4

    notebook.cells += [
        v4.new_code_cell("x", outputs=[v4.new_output("display_data", data={
            "text/html": "<style>@import 'https://evil.invalid/x.css'"})]),
        v4.new_code_cell("x", outputs=[v4.new_output("display_data", data={
            "text/html": "<table><tr><td>UNCLOSED-TABLE-MARKER"})]),
        v4.new_code_cell("x", outputs=[v4.new_output("display_data", data={
            "text/html": "<p>NEXT-OUTPUT-MARKER</p>"})]),
    ]
    parsed = Parsed(cells_of(export(notebook)))
    # shown as text, not eaten by the <style>; not inside the unclosed table either
    assert parsed.inside["NEXT-OUTPUT-MARKER"] == ("div", "div", "p")
    assert parsed.inside["UNCLOSED-TABLE-MARKER"] == ("div", "div", "table", "tbody", "tr",
                                                      "td")


def test_page_carries_the_document_css_its_output_loses(notebook):
    body = export(notebook)
    head = body.split("</head>")[0]
    assert ".pmk-report h2" in head and ".pmk-html table.dataframe" in head
