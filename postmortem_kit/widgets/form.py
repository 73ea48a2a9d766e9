""":class:`PostmortemForm`: the postmortem as a notebook form, autosaved to its JSON file.

The form is glue: panes of editors (:mod:`~postmortem_kit.widgets.sections`) write into one
:class:`~postmortem_kit.document.model.Postmortem`; every accepted edit hands the document's
JSON to the :class:`~postmortem_kit.widgets.autosave.Autosaver` and schedules a refresh of
the preview, the check list and the pane markers.
"""

from __future__ import annotations

import atexit
import html
import os
import weakref
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as W

from postmortem_kit.document.check import check
from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.storage import load
from postmortem_kit.errors import DocumentError
from postmortem_kit.widgets.autosave import Autosaver, Debouncer, Schedule, State
from postmortem_kit.widgets.binding import Editor, FieldBinding, text_field
from postmortem_kit.widgets.prefill_panel import PrefillPanel
from postmortem_kit.widgets.sections import (
    Pane,
    binding_by_path,
    build_panes,
    marker,
    problems_html,
)

if TYPE_CHECKING:  # pragma: no cover
    from postmortem_kit.timeline.model import Timeline

# Forms alive in this kernel: a re-run cell flushes the previous form on the same file
# before loading it, and the kernel flushes every form when it exits (restart included).
_LIVE: weakref.WeakSet[PostmortemForm] = weakref.WeakSet()
_TIME_PATHS = ("overview.start", "overview.end", "detection.time", "resolution.time")


class PostmortemForm:
    """Every field of the postmortem template as a form, saved to ``path`` as you type.

    Parameters
    ----------
    path
        The ``postmortem.json`` file; created on the first edit when missing. An existing
        file that is not a valid postmortem raises :class:`~postmortem_kit.errors.
        DocumentError` (the form never overwrites a file it could not read).
    timeline
        The derived :class:`~postmortem_kit.timeline.Timeline`, for "Prefill from evidence".
    autosave_delay
        Seconds of quiet before an edit is written; ``0`` writes on every edit.
    charts
        Chart links (``{"title": ..., "url": ...}``) the prefill adds to supporting docs.
    schedule
        How delayed calls are scheduled (see :class:`~postmortem_kit.widgets.autosave.
        Debouncer`); tests pass a manual one.

    Examples
    --------
    >>> form = PostmortemForm("postmortem.json", timeline=tl)  # doctest: +SKIP
    >>> form                                                    # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str], timeline: Timeline | None = None, *,
                 autosave_delay: float = 1.0, charts: Sequence[Mapping[str, str]] = (),
                 schedule: Schedule | None = None) -> None:
        self.path = Path(path)
        for other in list(_LIVE):
            if other.path.resolve() == self.path.resolve():
                other.flush()
        self._document = load(self.path) if self.path.exists() else Postmortem()
        self._saver = Autosaver(self.path, delay=autosave_delay, schedule=schedule,
                                on_state=self._show_state)
        # The preview re-renders sooner than the save: it is what the author watches.
        self._refresher = Debouncer(self._refresh_views, min(autosave_delay, 0.3), schedule)
        self.preview_markdown = ""
        self._build(timeline, charts)
        self._refresh_views()
        self._show_state(self._saver.state)
        _LIVE.add(self)

    # -- the document ----------------------------------------------------------------------
    @property
    def document(self) -> Postmortem:
        """The document as the form holds it (what the next save writes)."""
        return self._document

    @property
    def value(self) -> Postmortem:
        """Same as :attr:`document` (the ``.value`` every widget has)."""
        return self._document

    @property
    def layout(self) -> W.Layout:
        """The root widget's layout."""
        return self._w_root.layout

    @property
    def state(self) -> State:
        """``saved``, ``pending``, ``conflict`` (the file changed on disk) or ``error``."""
        return self._saver.state

    def editors(self) -> list[Editor]:
        """Every editor, header first, then pane by pane in template order."""
        return [self._title, self._timezone, *(e for p in self.panes for e in p.editors)]

    def field(self, path: str) -> FieldBinding:
        """The binding of the scalar field at ``path`` (``"overview.severity"``)."""
        return self._bindings[path]

    def editor(self, path: str) -> Editor:
        """The editor of the list or table at ``path`` (``"key_events"``)."""
        return next(e for e in self.editors() if path in e.paths)

    # -- what editors call ---------------------------------------------------------------
    def edited(self, path: str) -> None:
        """An editor changed the document at ``path``: save (debounced), refresh views."""
        if path in ("timezone", "overview.date", "overview.start"):
            # Times are shown in the zone, on the incident's day: show them anew.
            for editor in self.editors():
                if set(editor.paths) & {*_TIME_PATHS, "key_events"}:
                    editor.refresh(keep_invalid=True)
            self._prefill.refresh()
        for binding in self._bindings.values():
            if binding.error and binding.path != path:
                binding.retry()  # e.g. an end rejected for being before a start just moved
        self._changed()

    def _changed(self) -> None:
        self._saver.request(self._document.to_json())
        self._refresher.trigger()

    def rejected(self, path: str) -> None:
        """An editor refused input at ``path``: only the markers and check list change."""
        self._refresher.trigger()

    # -- saving and the file -------------------------------------------------------------
    def flush(self) -> None:
        """Write pending edits and refresh the views now (tests, and before a kernel exits)."""
        self._refresher.flush()
        self._saver.flush()

    def reload(self) -> bool:
        """Replace the form's document with the file's; False (and a message) if unreadable."""
        try:
            document = load(self.path)
        except (DocumentError, OSError) as exc:
            self._w_conflict_text.value = (f'<span style="color:#b42318">Cannot reload: '
                                           f"{html.escape(str(exc))}</span>")
            return False
        self._document = document
        self._saver.mark_loaded()
        self.refresh()
        return True

    def keep_mine(self) -> None:
        """Overwrite the file with the form's version (the other one is kept as ``.bak``)."""
        self._saver.keep_mine()

    def refresh(self) -> None:
        """Show the document's values in every widget, dropping input it refused."""
        for editor in self.editors():
            editor.refresh()
        self._prefill.refresh()
        self._refresh_views()

    def close(self) -> None:
        """Save what is pending and close the widgets."""
        self.flush()
        _LIVE.discard(self)
        self._w_root.close()

    # -- building ------------------------------------------------------------------------
    def _build(self, timeline: Timeline | None, charts: Sequence[Mapping[str, str]]) -> None:
        self._title = text_field(self, "title", "Title", long=False)
        self._timezone = text_field(self, "timezone", "Time zone", long=False)
        self._timezone._w_input.layout.width = "260px"
        self.panes: list[Pane] = build_panes(self)
        self._bindings = binding_by_path(self.panes)
        self._bindings.update(title=self._title, timezone=self._timezone)
        self._w_accordion = W.Accordion(
            children=[W.VBox(p.children, layout=W.Layout(padding="4px"))
                      for p in self.panes],
            titles=tuple(p.heading for p in self.panes), selected_index=0)
        self._prefill = PrefillPanel(lambda: self._document, timeline, charts,
                                     on_filled=self._after_prefill)
        self._w_status = W.HTML()
        self._w_conflict_text = W.HTML()
        self._w_reload = W.Button(description="Reload from file", button_style="warning",
                                  layout=W.Layout(width="auto"))
        self._w_keep = W.Button(description="Keep mine (overwrite file)",
                                layout=W.Layout(width="auto"))
        self._w_reload.on_click(lambda _: self.reload())
        self._w_keep.on_click(lambda _: self.keep_mine())
        self._w_conflict = W.VBox(
            [self._w_conflict_text, W.HBox([self._w_reload, self._w_keep])],
            layout=W.Layout(display="none", border="2px solid #d4a72c", padding="6px"))
        self._w_check = W.HTML()
        self._w_preview = W.Output(layout=W.Layout(border="1px solid #d0d7de", padding="0 12px",
                                                   max_height="520px", overflow="auto"))
        self._w_root = W.VBox([
            W.HTML(f"<h3 style='margin:4px 0'>Postmortem: <code>{html.escape(str(self.path))}"
                   "</code></h3>"),
            self._title.widget, self._timezone.widget, self._w_status, self._w_conflict,
            self._prefill.widget, self._w_accordion, self._w_check,
            W.HTML("<b>Preview</b> (the Markdown report, as <code>postmortem render</code> "
                   "writes it)"),
            self._w_preview,
        ])
        self._w_root.add_class("pmk-form")

    def _after_prefill(self, filled: list[str]) -> None:
        for editor in self.editors():
            editor.refresh(keep_invalid=True)  # what the author is typing stays
        self._changed()

    # -- views -----------------------------------------------------------------------------
    def _refresh_views(self) -> None:
        problems = check(self._document)
        self._w_accordion.titles = tuple(marker(p, problems) for p in self.panes)
        rejected = [err for e in self.editors() for err in e.errors()]
        self._w_check.value = problems_html(problems, rejected)
        self.preview_markdown = self._document.to_markdown()
        # Set as output data rather than printed into the Output: JupyterLab renders (and
        # sanitises) the Markdown, and no kernel output capture is needed.
        self._w_preview.outputs = ({"output_type": "display_data", "metadata": {},
                                    "data": {"text/markdown": self.preview_markdown,
                                             "text/plain": self.preview_markdown}},)

    def _show_state(self, state: State) -> None:
        if not hasattr(self, "_w_status"):
            return  # the autosaver reports before the widgets exist
        name = html.escape(self.path.name)
        self._w_conflict.layout.display = "none"
        if state == "saved":
            when = datetime.now().strftime("%H:%M:%S")
            text = (f"✓ saved to <code>{name}</code> at {when}" if self.path.exists()
                    else f"new document: <code>{name}</code> is created on the first edit")
            self._w_status.value = f'<span style="color:#1a7f37">{text}</span>'
        elif state == "pending":
            self._w_status.value = '<span style="color:#57606a">… unsaved changes</span>'
        elif state == "error":
            self._w_status.value = (f'<span style="color:#b42318">⚠ '
                                    f"{html.escape(self._saver.message)}</span>")
        else:
            self._w_status.value = (f'<span style="color:#9a6700">⚠ not saved: '
                                    f"{html.escape(self._saver.message)}</span>")
            self._w_conflict_text.value = (
                f"⚠ <b>{name} changed on disk</b> (another notebook, a git pull, a hand "
                "edit) since this form loaded it. Your edits are kept in the form and not "
                "written. <b>Reload</b> to take the file's version (drops your unsaved "
                "edits), or <b>Keep mine</b> to write yours (the file's goes to "
                f"<code>{name}.bak</code>).")
            self._w_conflict.layout.display = ""

    # -- notebook display ----------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self._w_root._repr_mimebundle_(**kwargs)


@atexit.register
def _flush_live_forms() -> None:
    # A kernel restart exits the process: what was typed in the last second is written now.
    for form in list(_LIVE):
        try:
            form.flush()
        except Exception:
            pass  # a failing save must never block interpreter exit
