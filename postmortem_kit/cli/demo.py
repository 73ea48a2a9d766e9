"""``postmortem demo [--out DIR]``: the main job, end to end, on the bundled incident.

Executes the worked example notebook (:mod:`postmortem_kit.notebooks`) on the bundled
sample incident with nbclient, its ``parameters`` cell pointed at ``--out``; then exports
the executed notebook as the HTML and Markdown reports and prints their paths. Also left in
``--out``: ``postmortem.json``, ``charts/`` and the executed ``worked_example.ipynb``.
"""

from __future__ import annotations

import argparse
import importlib
import threading
import time
from pathlib import Path

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo

# What a demo leaves in --out: a second run into the same folder needs --force.
OUTPUTS = ("worked_example.ipynb", "postmortem.json", "report.html", "report.md",
           "report_files", "charts")

# Imported while the kernel runs the notebook: nbconvert's import (mistune, pygments,
# bleach, bs4) costs seconds, and the client only waits for the kernel meanwhile.
_EXPORTER_MODULES = ("postmortem_kit.exporters.html", "postmortem_kit.exporters.markdown")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="run the bundled example incident and print the reports",
                       description="Investigate the bundled sample incident end to end "
                                   "(ingest, timeline, charts, executed notebook) and write "
                                   "the HTML and Markdown reports.")
    p.add_argument("--out", type=values.path, default=Path("postmortem-demo"),
                   help="folder for the reports (default: ./postmortem-demo)")
    p.add_argument("--force", action="store_true",
                   help="overwrite the outputs of an earlier demo in --out")
    return p


def demo(out: Path, *, timings: dict[str, float] | None = None,
         force: bool = False) -> dict[str, Path]:
    """Run the demo into ``out``; returns the paths written (``html``, ``md``, ...).

    ``timings``, when given, receives the seconds each stage took (for the benchmark).

    Raises
    ------
    UsageError
        When ``out`` is a file, or already holds a demo's outputs and ``force`` is not set.
    """
    import nbformat

    from postmortem_kit.cli.outputs import write_text
    from postmortem_kit.errors import UsageError
    from postmortem_kit.exporters.run import execute_notebook, write_report
    from postmortem_kit.notebooks import worked_example_notebook

    clock = time.perf_counter()
    stages = timings if timings is not None else {}
    out = out.resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; expected a folder")
    taken = next((out / name for name in OUTPUTS if (out / name).exists()), None)
    if taken is not None and not force:
        raise UsageError(f"{taken}: already exists (an earlier demo?); pass --force to "
                         "overwrite it, or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    nb = worked_example_notebook()
    warm = threading.Thread(target=lambda: [importlib.import_module(m)
                                            for m in _EXPORTER_MODULES], daemon=True)
    warm.start()
    execute_notebook(nb, cwd=out, parameters={"out_dir": str(out)},
                     source="worked_example.ipynb")
    stages["execute"] = time.perf_counter() - clock
    warm.join()
    paths = {"notebook": out / "worked_example.ipynb", "postmortem": out / "postmortem.json"}
    text = nbformat.writes(nb)
    write_text(paths["notebook"], text if text.endswith("\n") else text + "\n")
    for to in ("html", "md"):
        start = time.perf_counter()
        paths[to] = write_report(nb, to, out / f"report.{to}", name="worked_example")
        stages[f"export_{to}"] = time.perf_counter() - start
    stages["total"] = time.perf_counter() - clock
    return paths


def run(args: argparse.Namespace) -> int:
    timings: dict[str, float] = {}
    paths = demo(args.out, timings=timings, force=args.force)
    echo(f"Notebook:        {paths['notebook']} (executed in {timings['execute']:.0f} s)")
    echo(f"Document:        {paths['postmortem']}")
    echo(f"HTML report:     {paths['html']}")
    echo(f"Markdown report: {paths['md']}")
    return 0
