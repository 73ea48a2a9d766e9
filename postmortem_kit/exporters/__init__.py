"""nbconvert exporters for postmortem reports, and running notebooks to export them.

``postmortem_html`` (:class:`PostmortemHTMLExporter`) and ``postmortem_md``
(:class:`PostmortemMarkdownExporter`) are registered as nbconvert entry points, so
``jupyter nbconvert --to postmortem_html investigation.ipynb`` writes the code-free report.
How a document displays in a notebook is the document's own business
(:mod:`postmortem_kit.document.display`); ``Report`` is still importable from here for
notebooks made before it moved. Names load lazily: importing nbconvert costs about a
second, which a notebook that only displays a report should not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "PostmortemHTMLExporter": "postmortem_kit.exporters.html",
    "PostmortemMarkdownExporter": "postmortem_kit.exporters.markdown",
    "Report": "postmortem_kit.document.display",
    "export_notebook": "postmortem_kit.exporters.run",
    "execute_notebook": "postmortem_kit.exporters.run",
}

__all__ = [
    "PostmortemHTMLExporter",
    "PostmortemMarkdownExporter",
    "Report",
    "execute_notebook",
    "export_notebook",
]

if TYPE_CHECKING:  # pragma: no cover
    from postmortem_kit.document.display import Report
    from postmortem_kit.exporters.html import PostmortemHTMLExporter
    from postmortem_kit.exporters.markdown import PostmortemMarkdownExporter
    from postmortem_kit.exporters.run import execute_notebook, export_notebook


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'postmortem_kit.exporters' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
