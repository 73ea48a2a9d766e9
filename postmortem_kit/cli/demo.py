"""``postmortem demo [--out DIR]``: the main job on the bundled example.

Until the notebook pipeline lands (issue 7), the demo renders the bundled, fully filled-in
example postmortem to HTML and Markdown, checks it, and prints where the reports are.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="run the bundled example incident and print the reports",
                       description="Render the bundled example postmortem to HTML and Markdown.")
    p.add_argument("--out", type=Path, default=Path("postmortem-demo"),
                   help="folder for the reports (default: ./postmortem-demo)")
    return p


def run(args: argparse.Namespace) -> int:
    from postmortem_kit.document import Postmortem
    from postmortem_kit.document.check import check
    from postmortem_kit.document.storage import atomic_write_text
    from postmortem_kit.paths import example_postmortem

    pm = Postmortem.load(example_postmortem())
    args.out.mkdir(parents=True, exist_ok=True)
    pm.save(args.out / "postmortem.json")
    html_path, md_path = args.out / "report.html", args.out / "report.md"
    atomic_write_text(html_path, pm.to_html(), backup=False)
    atomic_write_text(md_path, pm.to_markdown(), backup=False)
    problems = check(pm)
    print(f"postmortem: {pm.title}")
    print(f"  check: {sum(p.level == 'error' for p in problems)} error(s), "
          f"{sum(p.level == 'warning' for p in problems)} warning(s)")
    print(f"HTML report:     {html_path.resolve()}")
    print(f"Markdown report: {md_path.resolve()}")
    return 0
