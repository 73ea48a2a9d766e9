"""``postmortem render FILE --to md|html|pdf [-o OUT] [--force] [--redact ...] [--paper P]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from postmortem_kit.cli import redaction, values
from postmortem_kit.cli.terminal import echo


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("render",
                       help="render a postmortem (JSON or Markdown) as Markdown, HTML or PDF",
                       description="Render a postmortem document in the template's layout; "
                                   "HTML and PDF show its local charts.")
    p.add_argument("file", type=values.path, help="postmortem.json or a Markdown postmortem")
    p.add_argument("--to", choices=("md", "html", "pdf"), required=True,
                   help="output format (pdf: the HTML printed by headless Chromium)")
    p.add_argument("-o", "--output", type=values.path,
                   help="where to write it, byte for byte (default: standard output, "
                        "where control characters show as escapes such as \\x1b; for pdf, "
                        "FILE's name with .pdf)")
    p.add_argument("--paper", choices=("a4", "letter"), default="a4",
                   help="pdf: paper size (default a4)")
    p.add_argument("--force", action="store_true",
                   help="overwrite OUTPUT if it exists (never FILE itself)")
    redaction.add_options(p, "with --redact: fail (exit 1, nothing written) when a field or "
                             "chart label still matches a detector after redaction")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.cli.outputs import Inputs, guard_outputs, write_bytes
    from postmortem_kit.document.io import read_document
    from postmortem_kit.errors import UsageError
    from postmortem_kit.exporters.document import render_document

    redaction.check_options(args)
    if args.strict and not args.redact:
        raise UsageError("--strict applies only with --redact")
    output = args.output
    if output is None and args.to == "pdf":
        output = args.file.with_suffix(".pdf")
    inputs = Inputs.of([args.file])
    for item in args.evidence or ():  # never written over either
        inputs.add(Path(item))
    guard_outputs([output], inputs, force=args.force)
    pm = read_document(args.file).document
    data, shown = render_document(pm, args.to, base_dir=args.file.parent,
                                  redactor=redaction.redactor(args, args.file),
                                  strict=args.strict, paper=args.paper)
    if shown.redaction is not None:
        redaction.print_audit("render", shown.redaction)
    if output is None:
        echo(data.decode("utf-8"), end="")
    else:
        write_bytes(output, data)
        echo(str(output))
    return 0
