"""``postmortem new NAME [--dir DIR]``: scaffold an investigation.

Creates ``DIR/NAME/`` with ``investigation.ipynb`` (the template notebook, built by
:mod:`postmortem_kit.notebooks`), an empty ``postmortem.json`` titled NAME and an
``evidence/`` folder for the files to investigate. Refuses to overwrite anything.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path

NOTEBOOK = "investigation.ipynb"


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("new", help="scaffold an investigation notebook and postmortem.json",
                       description="Create NAME/ with the investigation notebook, an empty "
                                   "postmortem.json and an evidence/ folder.")
    p.add_argument("name", help="name of the investigation (the folder's name and the title)")
    p.add_argument("--dir", type=Path, default=Path("."),
                   help="where to create the folder (default: the current folder)")
    return p


def scaffold(name: str, parent: Path) -> Path:
    """Create the investigation folder; returns it.

    Raises
    ------
    PostmortemKitError
        When ``name`` cannot be a folder name or the folder already exists.
    """
    from postmortem_kit.document import Postmortem
    from postmortem_kit.errors import PostmortemKitError
    from postmortem_kit.notebooks.builder import notebook_text, template_notebook

    title = name.strip()
    if not title or Path(title).name != title or title in (".", ".."):
        raise PostmortemKitError(f"{name!r}: expected a plain folder name (no '/')")
    folder = parent / title
    if folder.exists():
        raise PostmortemKitError(f"{folder}: already exists; choose another name or --dir")
    (folder / "evidence").mkdir(parents=True)
    (folder / NOTEBOOK).write_text(notebook_text(template_notebook(f"Investigation: {title}")),
                                   encoding="utf-8")
    Postmortem(title=title).save(folder / "postmortem.json")
    return folder


def run(args: argparse.Namespace) -> int:
    folder = scaffold(args.name, args.dir)
    print(f"created {folder}{os.sep}")
    print(f"  {NOTEBOOK:<22}open it: jupyter lab {shlex.quote(str(folder / NOTEBOOK))}")
    print(f"  {'postmortem.json':<22}the document the notebook's form edits")
    print(f"  {'evidence/':<22}put the logs, alerts, pages, deploys and chat exports here")
    return 0
