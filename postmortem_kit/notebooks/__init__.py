"""The investigation notebooks, built from code: one source for ``notebooks/`` and ``new``.

:func:`template_notebook` is the blank investigation ``postmortem new`` writes;
:func:`worked_example_notebook` is the tutorial on the bundled sample incident that
``postmortem demo`` runs. ``python -m postmortem_kit.notebooks notebooks/`` rewrites the
repository's copies; a test checks they equal what these functions build.
"""

from postmortem_kit.notebooks.builder import (
    NOTEBOOKS,
    template_notebook,
    worked_example_notebook,
    write_notebooks,
)

__all__ = ["NOTEBOOKS", "template_notebook", "worked_example_notebook", "write_notebooks"]
