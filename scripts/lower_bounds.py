"""Print pip constraints pinning every dependency to its declared lower bound.

``scripts/test.sh --lowest`` installs with these constraints, so the bounds in
pyproject.toml are tested, not guessed: ``pandas>=3.0`` becomes ``pandas==3.0``.
Usage: ``python scripts/lower_bounds.py [EXTRA ...] > constraints.txt``.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
_LOWER = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+?)\s*(?:\[[^\]]*\])?\s*>=\s*([0-9][^,;\s]*)")


def lower_bounds(extras: list[str]) -> list[str]:
    """``name==version`` for each requirement with a ``>=`` bound (extras included)."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins = {}
    for requirement in requirements:
        match = _LOWER.match(requirement)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    # ==X.Y.* : the lowest release series declared, with its bug-fix releases
    return [f"{name}=={version}.*" for name, version in sorted(pins.items())]


if __name__ == "__main__":
    print("\n".join(lower_bounds(sys.argv[1:])))
