"""``postmortem export NOTEBOOK --to html|md [-o OUT] [--execute] [--force] [--strict]``: the
code-free report. A notebook that was never run exports with a warning (``--strict``: exit 1).
"""

from __future__ import annotations

import argparse
import warnings

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "export", help="export an investigation notebook as a code-free report",
        description="Export a notebook as the postmortem report: no code, no widgets, no "
                    "stderr; HTML is one offline file, Markdown keeps pictures in "
                    "<name>_files/.")
    p.add_argument("notebook", type=values.path, help="the investigation notebook (.ipynb)")
    p.add_argument("--to", choices=("html", "md"), required=True, help="report format")
    p.add_argument("-o", "--output", type=values.path,
                   help="report path (default: the notebook's name with .html / .md)")
    p.add_argument("--execute", action="store_true",
                   help="run the notebook first, in its folder (the file is not changed)")
    p.add_argument("--embed-images", action="store_true",
                   help="Markdown: keep pictures inside the file as data: URLs")
    p.add_argument("--force", action="store_true",
                   help="overwrite the report (and its pictures) if they exist")
    p.add_argument("--strict", action="store_true",
                   help="fail (exit 1, nothing written) instead of warning when the notebook "
                        "was never run")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.cli.outputs import Inputs, guard_outputs
    from postmortem_kit.errors import NotebookWarning
    from postmortem_kit.exporters.run import export_notebook

    inputs = Inputs.of([args.notebook])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", NotebookWarning)
        # Called with the report's path before a long --execute, then with the report and
        # its pictures (whose names only the export knows) before any of them is written.
        path = export_notebook(
            args.notebook, args.to, args.output, execute=args.execute,
            embed_images=args.embed_images, strict=args.strict,
            before_write=lambda paths: guard_outputs(paths, inputs, force=args.force))
    for warning in caught:
        if issubclass(warning.category, NotebookWarning):
            echo(f"postmortem export: warning: {warning.message}", err=True)
    echo(str(path))
    return 0
