"""``postmortem new NAME [--dir DIR] [--force]``: scaffold an investigation.

Creates ``DIR/NAME/`` with ``investigation.ipynb`` (the template notebook, built by
:mod:`postmortem_kit.notebooks`), an empty ``postmortem.json`` titled NAME and an
``evidence/`` folder for the files to investigate. Refuses an existing folder; with
``--force`` it fills in the pieces missing from one (a folder made by hand with the
evidence already in it) and still overwrites nothing.
"""

from __future__ import annotations

import argparse
import os
import shlex
import unicodedata
from pathlib import Path

from postmortem_kit.cli import values
from postmortem_kit.cli.terminal import echo

NOTEBOOK = "investigation.ipynb"
DOCUMENT = "postmortem.json"
EVIDENCE = "evidence"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("new", help="scaffold an investigation notebook and postmortem.json",
                       description="Create NAME/ with the investigation notebook, an empty "
                                   "postmortem.json and an evidence/ folder.")
    p.add_argument("name", help="name of the investigation (the folder's name and the title)")
    p.add_argument("--dir", type=values.path, default=Path("."),
                   help="where to create the folder (default: the current folder)")
    p.add_argument("--force", action="store_true",
                   help="NAME/ exists already: add what it lacks, overwrite nothing")
    return p


def scaffold(name: str, parent: Path, *, force: bool = False) -> Path:
    """Create the investigation folder; returns it.

    With ``force``, an existing folder gets the pieces it lacks; nothing in it is replaced.

    Raises
    ------
    UsageError
        When ``name`` cannot be a folder name, or the folder already exists (without
        ``force``), or is a file.
    """
    from postmortem_kit.cli.outputs import write_text
    from postmortem_kit.document import Postmortem
    from postmortem_kit.errors import UsageError
    from postmortem_kit.notebooks.builder import notebook_text, template_notebook

    title = name.strip()
    if (not title or Path(title).name != title or title in (".", "..")
            or any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in title)):
        raise UsageError(f"{name!r}: expected a plain folder name (no '/', no control "
                         "characters)")
    folder = parent / title
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file; choose another name or --dir")
    if folder.exists() and not force:
        raise UsageError(f"{folder}: already exists; choose another name or --dir, or pass "
                         "--force to add what it lacks (nothing is overwritten)")
    (folder / EVIDENCE).mkdir(parents=True, exist_ok=True)
    if not (folder / NOTEBOOK).exists():
        write_text(folder / NOTEBOOK, notebook_text(template_notebook(f"Investigation: {title}")))
    if not (folder / DOCUMENT).exists():
        write_text(folder / DOCUMENT, Postmortem(title=title).to_json())
    return folder


def run(args: argparse.Namespace) -> int:
    folder = scaffold(args.name, args.dir, force=args.force)
    echo(f"created {folder}{os.sep}")
    echo(f"  {NOTEBOOK:<22}open it: jupyter lab {shlex.quote(str(folder / NOTEBOOK))}")
    echo(f"  {DOCUMENT:<22}the document the notebook's form edits")
    echo(f"  {EVIDENCE + '/':<22}put the logs, alerts, pages, deploys and chat exports here")
    return 0
