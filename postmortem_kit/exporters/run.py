"""Run an investigation notebook with parameters and export it as a report.

The functions behind ``postmortem export`` and ``postmortem demo``. Parameters work the
papermill way without papermill: the notebook's cell tagged ``parameters`` holds defaults,
and a cell tagged ``injected-parameters`` is inserted after it with the caller's values, so
the stored notebook never changes and the executed copy shows what it ran with.
"""

from __future__ import annotations

import copy
import os
import subprocess
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import nbformat
from nbformat import NotebookNode

from postmortem_kit.document.io import check_readable
from postmortem_kit.errors import InputError, NotebookError, NotebookWarning, RedactionError

if TYPE_CHECKING:  # pragma: no cover
    from postmortem_kit.exporters.pdf import Paper
    from postmortem_kit.redact.redactor import Redactor

Format = Literal["html", "md", "pdf"]
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"
SUFFIXES: dict[str, str] = {"html": ".html", "md": ".md", "pdf": ".pdf"}
NOTEBOOK_FILE = "a notebook (.ipynb)"


def read_notebook(path: str | os.PathLike[str]) -> NotebookNode:
    """Read a notebook file (nbformat 4).

    Raises
    ------
    InputError
        When the file is missing, a folder or a device, or not nbformat 4 JSON.
    """
    path = Path(path)
    check_readable(path, "notebook", NOTEBOOK_FILE)
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise InputError(f"{path}: no such notebook") from None
    except OSError:
        raise
    except Exception as exc:
        # nbformat reports a malformed file with whatever its reader tripped on
        # (NotJSONError, AttributeError on a JSON list, KeyError, ValidationError...).
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a Jupyter notebook (expected nbformat 4 JSON): "
                         f"{first}") from None


def never_run(nb: NotebookNode) -> bool:
    """Whether ``nb`` has code cells and none of them has ever been run (no execution
    count, no output): its report would hold the Markdown cells and nothing computed."""
    code = [c for c in nb.cells if c.get("cell_type") == "code" and c.get("source", "").strip()]
    return bool(code) and not any(c.get("execution_count") or c.get("outputs") for c in code)


def parameter_cell(source: Mapping[str, Any]) -> NotebookNode:
    """A code cell assigning each parameter, tagged so reports leave it out.

    Values must be Python literals (str, numbers, bool, None, lists and dicts of those):
    the cell is their ``repr``.
    """
    lines = ["# Parameters injected by postmortem-kit"]
    for name, value in source.items():
        if not name.isidentifier():
            raise NotebookError(f"parameter {name!r}: expected a Python identifier")
        lines.append(f"{name} = {value!r}")
    return nbformat.v4.new_code_cell("\n".join(lines),
                                     metadata={"tags": [INJECTED_TAG, "remove_cell"]})


def inject_parameters(nb: NotebookNode, parameters: Mapping[str, Any],
                      source: str = "notebook") -> NotebookNode:
    """Insert (or replace) the injected-parameters cell after the ``parameters`` cell.

    Raises
    ------
    NotebookError
        When parameters are given and no cell is tagged ``parameters``: without it the
        values would silently be overwritten by the notebook's own assignments.
    """
    cells = [c for c in nb.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    at = next((i for i, c in enumerate(cells)
               if PARAMETERS_TAG in c.get("metadata", {}).get("tags", [])), None)
    if at is None:
        raise NotebookError(f"{source}: no cell is tagged {PARAMETERS_TAG!r}; tag the cell "
                            "that sets the evidence and postmortem paths")
    cells.insert(at + 1, parameter_cell(parameters))
    nb.cells = cells
    return nb


def execute_notebook(nb: NotebookNode, *, cwd: str | os.PathLike[str],
                     parameters: Mapping[str, Any] | None = None, timeout: int = 600,
                     source: str = "notebook") -> NotebookNode:
    """Execute ``nb`` in a fresh kernel of this Python, in folder ``cwd``.

    Parameters
    ----------
    nb
        The notebook; executed in place and returned.
    cwd
        The kernel's working folder: relative paths in the notebook resolve there.
    parameters
        Values for the ``parameters`` cell (see :func:`inject_parameters`).
    timeout
        Seconds one cell may run.
    source
        Name of the notebook in error messages.

    Raises
    ------
    NotebookError
        When a cell raises: the message names the cell and the exception.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    if parameters:
        inject_parameters(nb, parameters, source)
    # "python3" is this interpreter: jupyter_client swaps the spec's "python" for
    # sys.executable, so the kernel sees the same installed postmortem_kit.
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(cwd)}})
    try:
        # The kernel's own process stderr carries only start-up chatter (transport
        # warnings); what cells write to stderr still reaches their outputs.
        client.execute(stderr=subprocess.DEVNULL)
    except CellExecutionError as exc:
        index = _failed_cell(nb)
        where = f"{source}: cell {index}" if index is not None else source
        raise NotebookError(f"{where} raised {exc.ename}: {exc.evalue}") from None
    except DeadKernelError as exc:
        raise NotebookError(f"{source}: the kernel died while running it ({exc})") from None
    return nb


def _failed_cell(nb: NotebookNode) -> int | None:
    for index, cell in enumerate(nb.cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return index
    return None


def exporter_for(to: Format, *, embed_images: bool = False) -> Any:
    """The report exporter for ``to`` (``html`` or ``md``; ``pdf`` prints the HTML)."""
    if to in ("html", "pdf"):
        from postmortem_kit.exporters.html import PostmortemHTMLExporter

        return PostmortemHTMLExporter()
    if to == "md":
        from postmortem_kit.exporters.markdown import PostmortemMarkdownExporter

        return PostmortemMarkdownExporter(embed_images=embed_images)
    raise NotebookError(f"unknown report format {to!r}: expected one of {sorted(SUFFIXES)}")


def render_report(nb: NotebookNode, to: Format, output: str | os.PathLike[str], *,
                  embed_images: bool = False, name: str | None = None,
                  redactor: Redactor | None = None, strict: bool = False,
                  paper: Paper = "a4") -> dict[Path, bytes]:
    """The files of ``nb``'s report: ``output`` first, then its Markdown pictures in
    ``<output stem>_files/``. Nothing is written; see :func:`write_report`.

    With ``redactor``, everything the report shows is redacted
    (:class:`~postmortem_kit.exporters.redact.RedactOutputsPreprocessor`; ``nb`` itself is
    not changed) and the audit is in the report's footer and metadata; ``strict`` then
    raises :class:`~postmortem_kit.errors.RedactionError` when a detector still finds
    something. A PDF is the HTML report printed by headless Chromium on ``paper``.
    """
    output = Path(output)
    files_dir = f"{output.stem}_files"
    resources: dict[str, Any] = {
        "unique_key": output.stem, "output_files_dir": files_dir,
        "metadata": {"name": name or output.stem, "path": str(output.parent)}}
    if redactor is not None:
        from postmortem_kit.exporters.redact import CELL_NUMBER

        resources["redactor"] = redactor
        nb = copy.deepcopy(nb)  # numbered for the audit; the caller's notebook untouched
        for number, cell in enumerate(nb.cells):
            cell.setdefault("metadata", {})[CELL_NUMBER] = number
    body, resources = exporter_for(to, embed_images=embed_images).from_notebook_node(
        nb, resources=resources)
    problems = resources.get("redaction_residual") or []
    if redactor is not None and strict and problems:
        from postmortem_kit.redact.redactor import describe_residual

        raise RedactionError("still matching a detector after redaction (--strict; nothing "
                             "written): " + describe_residual(sorted(set(problems))))
    if to == "pdf":
        from postmortem_kit.exporters.pdf import header_of, html_to_pdf

        title, severity = header_of(body)
        return {output: html_to_pdf(body, title=title, severity=severity, paper=paper)}
    files = {output: body.encode("utf-8")}
    for picture, data in (resources.get("outputs") or {}).items():
        files[output.parent / picture] = data
    return files


def write_report(nb: NotebookNode, to: Format, output: str | os.PathLike[str], *,
                 embed_images: bool = False, name: str | None = None,
                 before_write: Callable[[list[Path]], None] | None = None,
                 redactor: Redactor | None = None, strict: bool = False,
                 paper: Paper = "a4") -> Path:
    """Export ``nb`` to ``output``; Markdown pictures go to ``<output stem>_files/``.

    ``name`` is the notebook's name the report mentions (default: the output's stem).
    ``before_write``, when given, is called with every path about to be written before any
    is (it raises to stop the export: the CLI refuses to overwrite inputs there). Each file
    is written atomically. ``redactor``, ``strict`` and ``paper``: see
    :func:`render_report`. Returns the report's path.
    """
    from postmortem_kit.atomic import write_bytes

    files = render_report(nb, to, output, embed_images=embed_images, name=name,
                          redactor=redactor, strict=strict, paper=paper)
    if before_write is not None:
        before_write(list(files))
    report, *pictures = files
    for path in pictures:  # the pictures first: a report never points at missing ones
        write_bytes(path, files[path])
    write_bytes(report, files[report])
    return report


def export_notebook(notebook: str | os.PathLike[str], to: Format,
                    output: str | os.PathLike[str] | None = None, *, execute: bool = False,
                    parameters: Mapping[str, Any] | None = None,
                    embed_images: bool = False,
                    before_write: Callable[[list[Path]], None] | None = None,
                    strict: bool = False, redactor: Redactor | None = None,
                    paper: Paper = "a4") -> Path:
    """Export ``notebook`` as a code-free report, executing it first when asked.

    Parameters
    ----------
    notebook
        The ``.ipynb`` file.
    to
        ``"html"`` (one offline file), ``"md"`` (pictures in ``<name>_files/``) or
        ``"pdf"`` (the HTML printed by headless Chromium).
    output
        The report's path; default: the notebook's with ``.html`` / ``.md``.
    execute
        Run the notebook (in its own folder) before exporting; the file is not changed.
    parameters
        Values for the ``parameters`` cell when executing.
    embed_images
        Markdown only: keep pictures inside the file as ``data:`` URLs.
    before_write
        Called with ``[report path]`` before the notebook runs, then with every
        path to be written (the report and its pictures) before any is; raise to stop.
    strict
        A notebook that was never run (and is not executed here) raises NotebookError
        instead of exporting with a :class:`~postmortem_kit.errors.NotebookWarning`; with
        ``redactor``, what a detector still finds after redaction raises RedactionError.
    redactor
        Redact the report (:func:`~postmortem_kit.redact.sources.redactor_for`); the
        notebook and the files beside it are not changed.
    paper
        PDF paper: ``"a4"`` or ``"letter"``.

    Examples
    --------
    >>> export_notebook("investigation.ipynb", "html", execute=True)  # doctest: +SKIP
    PosixPath('investigation.html')
    """
    notebook = Path(notebook)
    if to not in SUFFIXES:
        raise NotebookError(f"unknown report format {to!r}: expected one of {sorted(SUFFIXES)}")
    nb = read_notebook(notebook)
    target = Path(output) if output is not None else notebook.with_suffix(SUFFIXES[to])
    if before_write is not None:
        before_write([target])
    if execute:
        execute_notebook(nb, cwd=notebook.parent, parameters=parameters, source=str(notebook))
    elif parameters:
        raise NotebookError(f"{notebook}: parameters only apply when executing")
    elif never_run(nb):
        message = (f"{notebook}: no cell has been run, so the report would hold no charts, "
                   "timeline or document; run it first or pass --execute")
        if strict:
            raise NotebookError(message + " (nothing written: --strict)")
        warnings.warn(message, NotebookWarning, stacklevel=2)
    return write_report(nb, to, target, embed_images=embed_images, name=notebook.stem,
                        before_write=before_write, redactor=redactor, strict=strict,
                        paper=paper)
