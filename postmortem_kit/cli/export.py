"""``postmortem export NOTEBOOK --to html|md|pdf [-o OUT] [--execute] [--force] [--strict]
[--redact [--allow V] [--evidence P]] [--paper P]``: the code-free report. A notebook that
was never run exports with a warning (``--strict``: exit 1).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from postmortem_kit.cli import redaction, values
from postmortem_kit.cli.terminal import echo


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "export", help="export an investigation notebook as a code-free report",
        description="Export a notebook as the postmortem report: no code, no widgets, no "
                    "stderr; HTML is one offline file, Markdown keeps pictures in "
                    "<name>_files/, PDF is the HTML printed by headless Chromium.")
    p.add_argument("notebook", type=values.path, help="the investigation notebook (.ipynb)")
    p.add_argument("--to", choices=("html", "md", "pdf"), required=True, help="report format")
    p.add_argument("-o", "--output", type=values.path,
                   help="report path (default: the notebook's name with .html / .md / .pdf)")
    p.add_argument("--execute", action="store_true",
                   help="run the notebook first, in its folder (the file is not changed)")
    p.add_argument("--embed-images", action="store_true",
                   help="Markdown: keep pictures inside the file as data: URLs")
    p.add_argument("--paper", choices=("a4", "letter"), default="a4",
                   help="pdf: paper size (default a4)")
    p.add_argument("--force", action="store_true",
                   help="overwrite the report (and its pictures) if they exist")
    redaction.add_options(p, "fail (exit 1, nothing written) instead of warning when the "
                             "notebook was never run; with --redact, also when anything in "
                             "the report still matches a detector after redaction")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.cli.outputs import Inputs, guard_outputs
    from postmortem_kit.errors import NotebookWarning
    from postmortem_kit.exporters.run import export_notebook, read_notebook

    redaction.check_options(args)
    inputs = Inputs.of([args.notebook])
    for item in args.evidence or ():  # never written over either
        inputs.add(Path(item))
    redactor = None
    if args.redact:
        read_notebook(args.notebook)  # a missing or bad notebook says so before evidence
        redactor = redaction.redactor(args, args.notebook)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NotebookWarning)
        # Called with the report's path before a long --execute, then with the report and
        # its pictures (whose names only the export knows) before any of them is written.
        path = export_notebook(
            args.notebook, args.to, args.output, execute=args.execute,
            embed_images=args.embed_images, strict=args.strict, redactor=redactor,
            paper=args.paper,
            before_write=lambda paths: guard_outputs(paths, inputs, force=args.force))
    for warning in caught:
        if issubclass(warning.category, NotebookWarning):
            echo(f"postmortem export: warning: {warning.message}", err=True)
    if redactor is not None:
        redaction.print_audit("export", redactor.audit)
    echo(str(path))
    return 0
