"""``python -m postmortem_kit.notebooks [FOLDER]``: rewrite the stored notebooks."""

import sys

from postmortem_kit.notebooks.builder import write_notebooks

for path in write_notebooks(sys.argv[1] if len(sys.argv) > 1 else "notebooks"):
    print(path)
