"""Build the investigation notebooks with nbformat: the template and the worked example.

Both follow one shape: a ``parameters`` cell (evidence and file paths, replaced by
``postmortem demo`` / ``postmortem export --execute``), then ingest, timeline, charts,
document, form and report. The logic lives in the package; the cells only call it.

Cells that are part of the investigation but not of the report (how-to text, tables, the
live form) are tagged ``remove_cell``: the exported report is the document, in the
template's layout, with the charts under supporting documentation.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from postmortem_kit.notebooks.example_cells import WORKED_EXAMPLE

HIDDEN = "remove_cell"
CHECK = "# NBVAL_CHECK_OUTPUT"
NOTEBOOKS = {"postmortem_template.ipynb": "template",
             "worked_example.ipynb": "worked_example"}

#: (kind, source, tags) triples; kind is "md" or "code".
CellSpec = tuple[str, str, Sequence[str]]

TEMPLATE: list[CellSpec] = [
    ("md", """\
# Incident investigation

1. Put the evidence (logs, access logs, alerts, pages, deploys, chat exports) in `evidence/`
   and check the parameters below.
2. *Run All*. Read the timeline and the charts; fill in the form (it saves
   `postmortem.json` as you type; **Prefill from evidence** fills the blanks).
3. Export the report: `postmortem export investigation.ipynb --to html --execute`
   (add `--force` to replace a report exported before).

Only the last cell's output (the document) goes into the report.""", [HIDDEN]),
    ("code", """\
# Parameters: `postmortem export --execute` and `postmortem demo` may replace these values.
evidence = ["evidence"]            # files, folders or globs of evidence
year = None                        # year of syslog lines that carry none
postmortem_path = "postmortem.json"
charts_dir = "charts"
timezone = "UTC"                   # display zone of the charts""", ["parameters", HIDDEN]),
    ("code", """\
from pathlib import Path

from postmortem_kit import Postmortem, derive_timeline, read_events
from postmortem_kit.document import Report
from postmortem_kit.plots import plot_overview, plot_phases, plot_timeline, save_figure
from postmortem_kit.widgets import PostmortemForm

events = read_events(evidence, year=year, progress=False)
events.groupby("source", observed=True).size().rename("events")""", [HIDDEN]),
    ("code", """\
tl = derive_timeline(events)
tl.phases[["time", "source", "line", "rule", "note"]]""", [HIDDEN]),
    ("code", 'tl.metrics', [HIDDEN]),
    ("code", 'tl.key_events[["time", "event", "action_taken", "source", "why"]]', [HIDDEN]),
    ("code", """\
folder = Path(postmortem_path).parent
charts = []
for name, ax in [("overview", plot_overview(events, tl, tz=timezone)),
                 ("timeline", plot_timeline(events, tl, tz=timezone)),
                 ("phases", plot_phases(tl, tz=timezone))]:
    charts += save_figure(ax.figure, folder / charts_dir / name,  # PNG and SVG
                          relative_to=folder)""", [HIDDEN]),
    ("code", """\
# Evidence fills the blanks; what you wrote in the form is never overwritten.
pm = Postmortem.load(postmortem_path) if Path(postmortem_path).exists() else Postmortem()
pm.prefill(tl, charts=charts)
pm.save(postmortem_path)""", [HIDDEN]),
    ("code", "PostmortemForm(postmortem_path, timeline=tl, charts=charts)", [HIDDEN]),
    ("code", "Report(postmortem_path)", []),
]


def _cell(kind: str, source: str, tags: Sequence[str]) -> NotebookNode:
    metadata = {"tags": list(tags)} if tags else {}
    if kind == "md":
        return nbformat.v4.new_markdown_cell(source, metadata=metadata)
    return nbformat.v4.new_code_cell(source, metadata=metadata)


def build(specs: Sequence[CellSpec], title: str) -> NotebookNode:
    """A notebook of ``specs`` with stable cell ids (so rebuilding gives the same file)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({
        "title": title,
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        "language_info": {"name": "python"},
    })
    nb.cells = [_cell(*spec) for spec in specs]
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"
    return nb


def template_notebook(title: str = "Incident investigation") -> NotebookNode:
    """The blank investigation: parameters, ingest, timeline, charts, form, report."""
    return build(TEMPLATE, title)


def worked_example_notebook() -> NotebookNode:
    """The tutorial on the bundled sample incident (a checkout outage after a deploy)."""
    return build(WORKED_EXAMPLE, "Worked example: checkout outage after a bad deploy")


def notebook_text(nb: NotebookNode) -> str:
    """The file text of ``nb``: what ``nbformat.write`` stores, newline-terminated."""
    return nbformat.writes(nb) + "\n"


def record_checked_outputs(nb: NotebookNode) -> NotebookNode:
    """Run a copy of ``nb`` and keep the outputs of its ``# NBVAL_CHECK_OUTPUT`` cells.

    Those outputs are what ``pytest --nbval-lax`` compares a fresh run against; every other
    cell is stored without outputs. The run happens in a temporary folder.
    """
    import copy
    import tempfile

    from postmortem_kit.exporters.run import execute_notebook

    with tempfile.TemporaryDirectory(prefix="postmortem-notebooks-") as tmp:
        executed = execute_notebook(copy.deepcopy(nb), cwd=tmp, source="worked_example")
    by_id = {cell.get("id"): cell for cell in executed.cells}
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(CHECK):
            cell.outputs = by_id[cell.id].outputs
            # nbval reads a cell with outputs but no execution count as never run.
            cell.execution_count = by_id[cell.id].execution_count
    return nb


def write_notebooks(folder: str | os.PathLike[str], *, record: bool = True) -> list[Path]:
    """Write both notebooks into ``folder`` (the repository's ``notebooks/``).

    With ``record``, the worked example is executed once to store the expected outputs
    of its checked cells (see :func:`record_checked_outputs`).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    example = worked_example_notebook()
    if record:
        record_checked_outputs(example)
    built = {"template": template_notebook(), "worked_example": example}
    paths = []
    for name, key in NOTEBOOKS.items():
        path = folder / name
        path.write_text(notebook_text(built[key]), encoding="utf-8")
        paths.append(path)
    return paths
