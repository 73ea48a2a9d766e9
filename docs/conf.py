"""Sphinx configuration: the API reference, built from the numpydoc docstrings.

Built by ``scripts/test.sh`` (and so by CI) with warnings as errors:
``sphinx-build -W --keep-going -b html docs docs/_build/html``. No intersphinx: CI has no
internet beyond the package registries, and the reference must build offline.
"""

from __future__ import annotations

import postmortem_kit

project = "postmortem-kit"
author = "postmortem-kit contributors"
copyright = "2026, postmortem-kit contributors"
release = version = postmortem_kit.__version__

extensions = ["sphinx.ext.autodoc", "numpydoc"]
exclude_patterns = ["_build", "postmortem-template.md"]
root_doc = "index"

autodoc_typehints = "none"  # numpydoc's Parameters sections already carry the types
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "furo"
html_title = f"postmortem-kit {release}"
