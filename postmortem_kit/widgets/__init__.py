"""Notebook widgets: :class:`PostmortemForm`, the postmortem as an autosaved form."""

from postmortem_kit.widgets.form import PostmortemForm

__all__ = ["PostmortemForm"]
