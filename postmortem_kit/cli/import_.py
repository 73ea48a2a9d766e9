"""``postmortem import FILE [-o OUT] [--layout L] [--force]``: read a postmortem in another
layout and say where each of its headings went."""

from __future__ import annotations

import argparse

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo

LAYOUTS = ("auto", "template", "google-sre", "pagerduty", "atlassian", "short")
_WRITERS = {".json": "to_json", ".md": "to_markdown", ".markdown": "to_markdown",
            ".html": "to_html"}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "import", help="read a Markdown postmortem in another layout; say what went where",
        description="Read a Markdown postmortem written in the template's layout or another "
                    "common one (Google SRE book, PagerDuty, Atlassian, the short form of "
                    "public collections) and print which heading went to which field; what "
                    "maps to no field is kept verbatim in the document's notes.")
    p.add_argument("file", type=values.path, help="the Markdown postmortem")
    p.add_argument("--layout", choices=LAYOUTS, default="auto",
                   help="its layout (default: detected from its headings)")
    p.add_argument("-o", "--output", type=values.path,
                   help="write the document: postmortem.json, or .md / .html in the "
                        "template's layout (default: only print the report)")
    p.add_argument("--force", action="store_true",
                   help="overwrite OUTPUT if it exists (never FILE itself)")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.cli.outputs import Inputs, guard_outputs, write_text
    from postmortem_kit.document.io import read_document
    from postmortem_kit.errors import UsageError

    if args.output is not None and args.output.suffix.lower() not in _WRITERS:
        raise UsageError(f"{args.output}: expected a .json, .md or .html output")
    guard_outputs([args.output], Inputs.of([args.file]), force=args.force)
    result = read_document(args.file, layout=args.layout)
    echo(f"{args.file}: read as {result.layout}")
    width = max((len(m.heading) for m in result.mapping), default=0)
    for m in result.mapping:
        echo(f"  line {m.line:<4} {m.heading:<{width}}  -> {m.target}")
    for line, note in result.notes:
        echo(f"  line {line:<4} note: {note}")
    for line, path, what in result.assumptions:
        echo(f"  line {line:<4} assumed ({path}): {what}")
    if args.output is not None:
        write_text(args.output, getattr(result.document, _WRITERS[args.output.suffix.lower()])())
        echo(str(args.output))
    return 0
