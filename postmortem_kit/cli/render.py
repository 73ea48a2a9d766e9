"""``postmortem render FILE --to md|html [-o OUT]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("render", help="render a postmortem (JSON or Markdown) as Markdown or HTML",
                       description="Render a postmortem document in the template's layout.")
    p.add_argument("file", type=Path, help="postmortem.json or a Markdown postmortem")
    p.add_argument("--to", choices=("md", "html"), required=True, help="output format")
    p.add_argument("-o", "--output", type=Path,
                   help="where to write it (default: standard output)")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.document.io import read_document
    from postmortem_kit.document.storage import atomic_write_text

    pm = read_document(args.file).document
    text = pm.to_markdown() if args.to == "md" else pm.to_html()
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(args.output, text, backup=False)
        print(args.output)
    return 0
