"""Reading, parameterising and exporting notebooks; the ``export`` and ``new`` verbs."""

from __future__ import annotations

import json

import nbformat
import nbformat.v4 as v4
import pytest

from postmortem_kit import cli
from postmortem_kit.errors import PostmortemKitError
from postmortem_kit.exporters.run import (
    INJECTED_TAG,
    NotebookError,
    export_notebook,
    inject_parameters,
    read_notebook,
)


def test_parameters_are_injected_after_the_parameters_cell_and_replaced_on_rerun():
    nb = v4.new_notebook(cells=[v4.new_code_cell("import x"),
                                v4.new_code_cell("a = 1", metadata={"tags": ["parameters"]}),
                                v4.new_code_cell("print(a)")])
    inject_parameters(nb, {"a": 2, "paths": ["x y", None]})
    inject_parameters(nb, {"a": 3})
    sources = [c.source for c in nb.cells]
    assert sources == ["import x", "a = 1", "# Parameters injected by postmortem-kit\na = 3",
                       "print(a)"]
    assert INJECTED_TAG in nb.cells[2].metadata.tags
    assert "remove_cell" in nb.cells[2].metadata.tags  # never in a report


def test_parameters_without_a_parameters_cell_are_refused():
    nb = v4.new_notebook(cells=[v4.new_code_cell("a = 1")])
    with pytest.raises(NotebookError, match="tagged 'parameters'"):
        inject_parameters(nb, {"a": 2}, source="inv.ipynb")


def test_parameter_names_must_be_identifiers():
    nb = v4.new_notebook(cells=[v4.new_code_cell("a = 1", metadata={"tags": ["parameters"]})])
    with pytest.raises(NotebookError, match="identifier"):
        inject_parameters(nb, {"a; import os": 1})


def test_unreadable_notebooks_raise_the_package_error_with_the_path(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(PostmortemKitError, match=r"bad\.ipynb: not a Jupyter notebook"):
        read_notebook(bad)
    with pytest.raises(PostmortemKitError, match=r"missing\.ipynb: no such notebook"):
        read_notebook(tmp_path / "missing.ipynb")


def test_export_writes_markdown_pictures_beside_the_report(tmp_path, notebook, png):
    path = tmp_path / "inv.ipynb"
    nbformat.write(notebook, path)
    out = export_notebook(path, "md")
    assert out == tmp_path / "inv.md"
    pictures = list((tmp_path / "inv_files").iterdir())
    assert [p.read_bytes() for p in pictures] == [png]
    assert f"](inv_files/{pictures[0].name})" in out.read_text(encoding="utf-8")


def test_export_verb_writes_the_html_report(tmp_path, notebook, capsys):
    path = tmp_path / "inv.ipynb"
    nbformat.write(notebook, path)
    target = tmp_path / "out" / "report.html"
    assert cli.main(["export", str(path), "--to", "html", "-o", str(target)]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    assert "KEPT-OUTPUT-MARKER" in target.read_text(encoding="utf-8")


def test_export_verb_reports_a_bad_notebook_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("[]", encoding="utf-8")
    assert cli.main(["export", str(bad), "--to", "md"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("postmortem export: error: ") and "bad.ipynb" in err
    assert len(err.strip().splitlines()) == 1


def test_new_scaffolds_notebook_document_and_evidence_folder(tmp_path, capsys):
    assert cli.main(["new", "checkout-outage", "--dir", str(tmp_path)]) == 0
    folder = tmp_path / "checkout-outage"
    assert sorted(p.name for p in folder.iterdir()) == [
        "evidence", "investigation.ipynb", "postmortem.json"]
    assert not any((folder / "evidence").iterdir())
    nb = nbformat.read(folder / "investigation.ipynb", as_version=4)
    assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert all(not c.get("outputs") for c in nb.cells)
    doc = json.loads((folder / "postmortem.json").read_text(encoding="utf-8"))
    assert doc["title"] == "checkout-outage" and doc["key_events"] == []
    assert str(folder) in capsys.readouterr().out


def test_new_refuses_to_overwrite_or_to_nest(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    assert cli.main(["new", "taken", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert cli.main(["new", "a/b", "--dir", str(tmp_path)]) == 2
    assert "plain folder name" in capsys.readouterr().err
