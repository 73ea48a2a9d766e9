"""A redacted notebook report: what the report leaves out is neither shown nor counted, the
audit names cells by their place in the saved notebook, and the notebook is not changed."""

from __future__ import annotations

import copy

import nbformat.v4 as v4

from postmortem_kit.exporters.run import render_report
from postmortem_kit.redact import Redactor

KEY = b"report-test-key-report-test-key!"


def notebook():
    return v4.new_notebook(cells=[
        v4.new_markdown_cell("Draft: ask dana@gmail.example.com", metadata={
            "tags": ["remove_cell"]}),
        v4.new_code_cell("rows", execution_count=1, metadata={"tags": ["remove_input"]},
                         outputs=[v4.new_output("stream", name="stdout",
                                                text="client 203.0.113.9 failed\n"),
                                  v4.new_output("stream", name="stderr",
                                                text="warning for 198.51.100.1\n")]),
    ])


def test_audit_counts_what_the_report_shows_by_cell_of_the_saved_notebook(tmp_path):
    nb = notebook()
    before = copy.deepcopy(nb)
    redactor = Redactor(key=KEY)
    files = render_report(nb, "html", tmp_path / "r.html", redactor=redactor)
    page = files[tmp_path / "r.html"].decode()
    assert "203.0.113.9" not in page and "client ip-" in page
    # The removed Markdown cell and the dropped stderr are not in the report: not counted.
    assert redactor.audit.fields == {"cell 1": {"ipv4": 1}}
    assert nb == before
