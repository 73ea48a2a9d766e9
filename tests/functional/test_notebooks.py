"""The investigation notebooks: stored copies match the builder, and they run.

The worked example also runs under nbval in CI (its checked cells pin the phases, metrics
and users affected):

    python -m pytest --nbval-lax --nbval-current-env \\
        --nbval-sanitize-with tests/nbval_sanitize.cfg notebooks/worked_example.ipynb

The template cannot run as stored (its ``evidence/`` folder is empty until an SRE fills
it), so it runs here with its parameters pointed at the bundled sample incident.
"""

from __future__ import annotations

import copy

import nbformat
import nbformat.v4 as v4
import pytest

from postmortem_kit.document.layout import LAYOUT
from postmortem_kit.exporters.run import (
    NotebookError,
    execute_notebook,
    export_notebook,
    write_report,
)
from postmortem_kit.notebooks import NOTEBOOKS, template_notebook, worked_example_notebook
from postmortem_kit.notebooks.builder import CHECK, notebook_text
from postmortem_kit.sample import evidence_paths
from tests.conftest import REPO

BUILT = {"template": template_notebook, "worked_example": worked_example_notebook}


def _without_outputs(nb):
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_stored_notebooks_are_what_the_builder_makes(name):
    stored = nbformat.read(REPO / "notebooks" / name, as_version=4)
    built = BUILT[NOTEBOOKS[name]]()
    assert notebook_text(_without_outputs(stored)) == notebook_text(built), (
        f"notebooks/{name} is out of date: run `python -m postmortem_kit.notebooks notebooks`")
    # outputs are stored only where nbval checks them
    with_outputs = [c.source.splitlines()[0] for c in stored.cells if c.get("outputs")]
    assert set(with_outputs) <= {CHECK}
    assert len(with_outputs) == sum(c.source.startswith(CHECK) for c in built.cells)


@pytest.mark.slow
def test_template_investigates_the_sample_incident_into_a_complete_report(tmp_path):
    nb = template_notebook()
    execute_notebook(nb, cwd=tmp_path, source="postmortem_template.ipynb", parameters={
        "evidence": [str(p) for p in evidence_paths()], "year": 2026})
    report = write_report(nb, "html", tmp_path / "report.html").read_text(encoding="utf-8")
    for section in LAYOUT:
        assert f'id="{section.anchor}"' in report
    assert "303 of 1,621 active users" in report  # prefilled from the evidence
    # The charts, embedded once each as vectors; their PNGs stay links.
    assert report.count('src="data:image/svg+xml;base64,') == 3
    assert 'src="data:image/png' not in report
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == [
        "overview.png", "overview.svg", "phases.png", "phases.svg", "timeline.png",
        "timeline.svg"]
    assert "read_events" not in report and "VBox" not in report


def test_export_execute_runs_in_the_notebook_folder_and_leaves_warnings_out(tmp_path):
    nb = v4.new_notebook(cells=[
        v4.new_code_cell("import warnings\nwarnings.warn('WARNING-MARKER')\n"
                         "open('ran.txt', 'w').write('yes')\nprint('RAN-MARKER')")])
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    report = export_notebook(path, "html", execute=True).read_text(encoding="utf-8")
    assert (tmp_path / "ran.txt").read_text() == "yes"
    assert "RAN-MARKER" in report and "WARNING-MARKER" not in report
    assert not nbformat.read(path, as_version=4).cells[0].outputs  # the file is unchanged


def test_a_failing_cell_names_the_notebook_cell_and_error(tmp_path):
    nb = v4.new_notebook(cells=[v4.new_code_cell("x = 1"),
                                v4.new_code_cell("raise KeyError('currency')")])
    path = tmp_path / "broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(NotebookError, match=r"broken\.ipynb: cell 1 raised KeyError: "):
        export_notebook(path, "md", execute=True)
