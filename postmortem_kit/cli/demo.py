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

# Imported while the kernel runs the notebook: nbconvert's import (mistune, pygments,
# bleach, bs4) costs seconds, and the client only waits for the kernel meanwhile.
_EXPORTER_MODULES = ("postmortem_kit.exporters.html", "postmortem_kit.exporters.markdown")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="run the bundled example incident and print the reports",
                       description="Investigate the bundled sample incident end to end "
                                   "(ingest, timeline, charts, executed notebook) and write "
                                   "the HTML and Markdown reports.")
    p.add_argument("--out", type=Path, default=Path("postmortem-demo"),
                   help="folder for the reports (default: ./postmortem-demo)")
    return p


def demo(out: Path, *, timings: dict[str, float] | None = None) -> dict[str, Path]:
    """Run the demo into ``out``; returns the paths written (``html``, ``md``, ...).

    ``timings``, when given, receives the seconds each stage took (for the benchmark).
    """
    import nbformat

    from postmortem_kit.exporters.run import execute_notebook, write_report
    from postmortem_kit.notebooks import worked_example_notebook

    clock = time.perf_counter()
    stages = timings if timings is not None else {}
    out = out.resolve()
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
    nbformat.write(nb, paths["notebook"])
    for to in ("html", "md"):
        start = time.perf_counter()
        paths[to] = write_report(nb, to, out / f"report.{to}", name="worked_example")
        stages[f"export_{to}"] = time.perf_counter() - start
    stages["total"] = time.perf_counter() - clock
    return paths


def run(args: argparse.Namespace) -> int:
    timings: dict[str, float] = {}
    paths = demo(args.out, timings=timings)
    print(f"Notebook:        {paths['notebook']} (executed in {timings['execute']:.0f} s)")
    print(f"Document:        {paths['postmortem']}")
    print(f"HTML report:     {paths['html']}")
    print(f"Markdown report: {paths['md']}")
    return 0
