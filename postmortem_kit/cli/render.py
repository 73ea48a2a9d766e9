"""``postmortem render FILE --to md|html [-o OUT] [--force]``."""

from __future__ import annotations

import argparse

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("render", help="render a postmortem (JSON or Markdown) as Markdown or HTML",
                       description="Render a postmortem document in the template's layout.")
    p.add_argument("file", type=values.path, help="postmortem.json or a Markdown postmortem")
    p.add_argument("--to", choices=("md", "html"), required=True, help="output format")
    p.add_argument("-o", "--output", type=values.path,
                   help="where to write it, byte for byte (default: standard output, "
                        "where control characters show as escapes such as \\x1b)")
    p.add_argument("--force", action="store_true",
                   help="overwrite OUTPUT if it exists (never FILE itself)")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.cli.outputs import Inputs, guard_outputs, write_text
    from postmortem_kit.document.io import read_document

    guard_outputs([args.output], Inputs.of([args.file]), force=args.force)
    pm = read_document(args.file).document
    text = pm.to_markdown() if args.to == "md" else pm.to_html()
    if args.output is None:
        echo(text, end="")
    else:
        write_text(args.output, text)
        echo(str(args.output))
    return 0
