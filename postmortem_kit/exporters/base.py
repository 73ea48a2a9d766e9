"""What both report exporters change in nbconvert's defaults, in one place.

:class:`ReportExporter` sits between a report exporter and nbconvert's own
(``class PostmortemHTMLExporter(ReportExporter, HTMLExporter)``), the way nbconvert's
exporters specialise :class:`~nbconvert.exporters.TemplateExporter`: no code and no prompts,
the report's cuts (tags, widget views, stderr; :data:`REPORT_CONFIG`), the report's
preprocessors placed before nbconvert extracts pictures, the sanitiser as a template filter,
and a display priority. A subclass names its template, its priority and its extra
preprocessors; user configuration still wins over all of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any, ClassVar

from nbconvert.exporters import TemplateExporter
from traitlets import default
from traitlets.config import Config

from postmortem_kit.exporters.preprocessors import ReportOutputsPreprocessor
from postmortem_kit.exporters.redact import RedactOutputsPreprocessor
from postmortem_kit.exporters.sanitize import sanitize_html

TEMPLATES = str(resources.files("postmortem_kit.exporters") / "templates")

# The report cuts the same cells and outputs whatever its format.
REPORT_CONFIG = {
    "TagRemovePreprocessor": {
        "enabled": True,
        "remove_cell_tags": {"remove_cell"},
        "remove_input_tags": {"remove_input"},
        "remove_all_outputs_tags": {"remove_output"},
    },
    "CoalesceStreamsPreprocessor": {"enabled": True},
    "ReportOutputsPreprocessor": {"enabled": True},
    # Idle unless the conversion's resources hold a redactor (export --redact).
    "RedactOutputsPreprocessor": {"enabled": True},
    "MarkdownImagesPreprocessor": {"enabled": True},
}


def insert_before_extraction(preprocessors: list[Any], *extra: Any) -> list[Any]:
    """``preprocessors`` with ``extra`` just before output extraction (or at the end).

    Outputs must be filtered before nbconvert extracts their images to files, or a
    dropped output would still leave its picture behind.
    """
    names = [p if isinstance(p, str) else getattr(p, "__name__", "") for p in preprocessors]
    at = next((i for i, n in enumerate(names) if n.endswith("ExtractOutputPreprocessor")),
              len(preprocessors))
    return [*preprocessors[:at], *extra, *preprocessors[at:]]


class ReportExporter(TemplateExporter):
    """Mixin of the report exporters: put it before the nbconvert exporter it changes."""

    #: The template folder under ``exporters/templates``.
    report_template: ClassVar[str] = ""
    #: Output MIME types the report shows, best first.
    display_priority: ClassVar[list[str]] = []
    #: Preprocessors run before nbconvert extracts pictures.
    report_preprocessors: ClassVar[tuple[type, ...]] = (ReportOutputsPreprocessor,
                                                        RedactOutputsPreprocessor)

    @default("template_name")
    def _template_name_default(self) -> str:
        return self.report_template

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self) -> list[str]:
        return [TEMPLATES]

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self) -> bool:
        return True

    @default("default_preprocessors")
    def _default_preprocessors_default(self) -> list[Any]:
        # The defaults of the nbconvert exporter this one changes (next in the MRO).
        nbconvert_exporter = next(c for c in type(self).__mro__[1:]
                                  if issubclass(c, TemplateExporter)
                                  and not issubclass(c, ReportExporter))
        defaults = nbconvert_exporter.class_traits()["default_preprocessors"].default()
        return insert_before_extraction(list(defaults or []), *self.report_preprocessors)

    def default_filters(self) -> Iterator[tuple[str, Any]]:
        """nbconvert's filters and ``sanitize_html`` for whatever markup a notebook brings."""
        yield from super().default_filters()
        yield ("sanitize_html", sanitize_html)

    @property
    def default_config(self) -> Config:
        """nbconvert's defaults, then the report's (user configuration still wins)."""
        report = Config({**REPORT_CONFIG,
                         "NbConvertBase": {"display_data_priority": self.display_priority}})
        base = super().default_config.copy()
        base.merge(report)
        return base
