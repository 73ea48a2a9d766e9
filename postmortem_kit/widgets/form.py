"""":class:`PostmortemForm`: the postmortem as a notebook form, autosaved to its JSON file.

The form is glue: panes of editors (:mod:`~postmortem_kit.widgets.sections`) write into one
:class:`~postmortem_kit.document.model.Postmortem`; every accepted edit asks the
:class:`~postmortem_kit.widgets.autosave.Autosaver` to save and schedules a refresh of the
preview, the check list and the pane markers. When the file changed on disk, the save merges
it field by field (:mod:`~postmortem_kit.document.sync`): the file's changes come into the
form, and a field both changed shows both values beside it with the choice.

Layout (:mod:`~postmortem_kit.widgets.style`): a status line that stays at the top of the
visible form (saved, unsaved, conflict, disconnected), the fields, and the live preview
beside them when the form is wide enough. When the kernel behind the form goes away
(restart, shutdown), ipywidgets marks its views disconnected; the style sheet then says so
in the status line and a small guard (:mod:`~postmortem_kit.widgets.guard`) makes the
fields inert, so nothing is typed that would never be saved.
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

from postmortem_kit.document.check import Problem, check
from postmortem_kit.document.merge import Conflict
from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.rules import due_before_incident, owner_missing
from postmortem_kit.document.sync import SyncResult
from postmortem_kit.errors import DocumentError
from postmortem_kit.widgets.autosave import Autosaver, Debouncer, Schedule, State
from postmortem_kit.widgets.binding import Editor, FieldBinding, text_field
from postmortem_kit.widgets.guard import Guard
from postmortem_kit.widgets.prefill_panel import PrefillPanel
from postmortem_kit.widgets.rows import RowsEditor
from postmortem_kit.widgets.sections import (
    Pane,
    binding_by_path,
    build_panes,
    marker,
    problems_html,
)
from postmortem_kit.widgets.style import STYLE

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
        self._saver = Autosaver(self.path, lambda: self._document, delay=autosave_delay,
                                schedule=schedule, on_state=self._show_state,
                                on_result=self._after_save)
        self._document = self._saver.load()
        # The preview re-renders sooner than the save: it is what the author watches.
        self._refresher = Debouncer(self._refresh_views, min(autosave_delay, 0.3), schedule)
        self.preview_markdown = ""
        self.conflicts: tuple[Conflict, ...] = ()
        self._merged_note = ""
        self._saved_at = ""
        self._build(timeline, charts)
        self._refresh_views()
        self._show_state(self._saver.state)
        _LIVE.add(self)

    # -- the document ----------------------------------------------------------------------
    @property
    def document(self) -> Postmortem:
        """The document as the form holds it (what the next save writes or merges)."""
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
        """``saved``, ``pending``, ``conflict`` (fields wait for a choice, or the file
        cannot be read) or ``error`` (the file cannot be written)."""
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
        if path in ("timezone", "overview.date", "overview.start", "key_events"):
            self._prefill.refresh()  # ticks follow the table, removals are remembered
        for binding in self._bindings.values():
            if binding.error and binding.path != path:
                binding.retry()  # e.g. an end rejected for being before a start just moved
        self._changed()

    def _changed(self) -> None:
        self._merged_note = ""
        self._saver.request()
        self._refresher.trigger()

    def rejected(self, path: str) -> None:
        """An editor refused input at ``path``: the status, markers and check list say so."""
        self._show_state(self._saver.state)
        self._refresher.trigger()

    # -- saving and the file -------------------------------------------------------------
    def flush(self) -> None:
        """Write pending edits and refresh the views now (tests, and before a re-run)."""
        self._refresher.flush()
        self._saver.flush()

    def choose(self, conflict_id: str, side: str) -> None:
        """Settle a conflict: ``"mine"`` keeps the form's value, ``"theirs"`` takes the
        file's, ``"both"`` (a stretch of a list) keeps the form's items and the file's."""
        self._saver.choose(conflict_id, side)

    def choose_all(self, side: str) -> None:
        """Settle every conflict the same way (see :meth:`choose`)."""
        if not self.conflicts:
            return
        for conflict in self.conflicts[1:]:
            self._saver.sync.choices[conflict.id] = side  # type: ignore[assignment]
        self._saver.choose(self.conflicts[0].id, side)

    def overwrite(self) -> None:
        """Write the form over a file that cannot be read (its text goes to the history)."""
        self._saver.overwrite()

    def reload(self) -> bool:
        """Drop the form's unsaved edits and show the file; False (and why) if unreadable."""
        try:
            document = self._saver.load()
        except (DocumentError, OSError) as exc:
            self._w_message.value = (f'<span style="color:#b42318">Cannot reload: '
                                     f"{html.escape(str(exc))}</span>")
            return False
        self._document = document
        self._show_conflicts(())
        self.refresh()
        return True

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

    def _after_save(self, result: SyncResult) -> None:
        if result.document is not None:
            self._document = result.document
            for editor in self.editors():
                editor.refresh(keep_invalid=True)  # what the author is typing stays
            self._prefill.refresh()
            self._refresher.trigger()
        if result.taken:
            shown = ", ".join(result.taken[:4]) + (" …" if len(result.taken) > 4 else "")
            self._merged_note = f"merged changes from the file: {shown}"
        self._show_conflicts(result.conflicts)

    def _show_conflicts(self, conflicts: Sequence[Conflict]) -> None:
        self.conflicts = tuple(conflicts)
        for editor in self.editors():
            editor.show_conflicts(list(self.conflicts), self.choose)
        self._refresh_markers()

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
        # The status line: what the file holds, always in view at the top of the form.
        self._w_status = W.HTML()
        self._w_status.add_class("pmk-status-text")
        self._w_message = W.HTML()
        self._w_keep_all = W.Button(description="Keep all yours", layout=W.Layout(
            width="auto", display="none"))
        self._w_take_all = W.Button(description="Take all the file's", layout=W.Layout(
            width="auto", display="none"))
        self._w_overwrite = W.Button(description="Save yours over it", button_style="warning",
                                     tooltip="the file's text is kept in its history",
                                     layout=W.Layout(width="auto", display="none"))
        self._w_keep_all.on_click(lambda _: self.choose_all("mine"))
        self._w_take_all.on_click(lambda _: self.choose_all("theirs"))
        self._w_overwrite.on_click(lambda _: self.overwrite())
        gone = W.HTML("✕ <b>Disconnected</b>: the kernel behind this form restarted or "
                      "stopped. Nothing typed here is saved: run the cell again.")
        gone.add_class("pmk-gone")
        self._guard = Guard()
        self._w_statusbar = W.HBox([self._w_status, gone, self._w_keep_all, self._w_take_all,
                                    self._w_overwrite, self._w_message, self._guard],
                                   layout=W.Layout(align_items="center"))
        self._w_statusbar.add_class("pmk-status")
        self._w_check = W.HTML()
        self._w_preview = W.Output(layout=W.Layout(border="1px solid #d0d7de",
                                                   padding="0 12px", overflow="auto"))
        self._w_preview.add_class("pmk-preview")
        main = W.VBox([self._title.widget, self._timezone.widget, self._prefill.toolbar,
                       self._prefill.widget, self._w_accordion, self._w_check])
        main.add_class("pmk-main")
        side = W.VBox([W.HTML("<b>Preview</b> (the Markdown report, as <code>postmortem "
                              "render</code> writes it)"), self._w_preview])
        side.add_class("pmk-side")
        body = W.Box([main, side])
        body.add_class("pmk-body")
        self._w_root = W.VBox([
            W.HTML(STYLE),
            W.HTML(f"<h3 style='margin:4px 0'>Postmortem: <code>{html.escape(str(self.path))}"
                   "</code></h3>"),
            self._w_statusbar, body,
        ])
        self._w_root.add_class("pmk-form")

    def _after_prefill(self, filled: list[str]) -> None:
        for editor in self.editors():
            editor.refresh(keep_invalid=True)  # what the author is typing stays
        self._changed()

    # -- views -----------------------------------------------------------------------------
    def problems(self) -> list[Problem]:
        """What ``postmortem check`` finds (its action-item rules are the ones the rows
        show, from :mod:`~postmortem_kit.document.rules`), errors first."""
        return sorted(check(self._document), key=lambda p: p.level != "error")

    def _refresh_markers(self, problems: list[Problem] | None = None) -> None:
        problems = self.problems() if problems is None else problems
        contested = {c.field.split(".")[0] for c in self.conflicts}
        self._w_accordion.titles = tuple(
            f"⚠ {p.heading} — changed in the file too: choose" if p.roots & contested
            else marker(p, problems) for p in self.panes)

    def _refresh_views(self) -> None:
        problems = self.problems()
        self._refresh_markers(problems)
        rejected = [err for e in self.editors() for err in e.errors()]
        self._w_check.value = problems_html(problems, rejected)
        findings = due_before_incident(self._document) + owner_missing(self._document)
        for editor in self.editors():
            if isinstance(editor, RowsEditor) and editor.path.startswith("action_items"):
                editor.show_findings(findings)
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
        refused = [where for e in self.editors() for where, _ in e.errors()]
        for button in (self._w_keep_all, self._w_take_all, self._w_overwrite):
            button.layout.display = "none"
        if state == "saved":
            self._saved_at = datetime.now().strftime("%H:%M:%S")
            text = (f"✓ Saved to <code>{name}</code> at {self._saved_at}"
                    if self.path.exists()
                    else f"New document: <code>{name}</code> is created on the first edit")
            if self._merged_note:
                text += f" — {html.escape(self._merged_note)}"
            color = "#1a7f37"
        elif state == "pending":
            text, color = "… Unsaved changes (saving when you pause)", "#57606a"
        elif state == "error":
            text, color = f"⚠ Not saved: {html.escape(self._saver.message)}", "#b42318"
        elif self._saver.result.error:
            text = (f"⚠ Not saved: {html.escape(self._saver.message)}. Fix the file, or save "
                    "yours over it (its text stays in the history).")
            color = "#9a6700"
            self._w_overwrite.layout.display = ""
        else:
            n = len(self.conflicts)
            text = (f"⚠ Conflict: {n} field{'s' * (n != 1)} changed both here and in "
                    f"<code>{name}</code>; each shows both values where it is (⚠ in the "
                    "section titles). The rest is merged and saved.")
            color = "#9a6700"
            if n > 1:
                self._w_keep_all.layout.display = self._w_take_all.layout.display = ""
        if refused:
            shown = ", ".join(refused[:3]) + (" …" if len(refused) > 3 else "")
            text += (f' <span style="color:#b42318">— ⚠ {len(refused)} field'
                     f"{'s' * (len(refused) != 1)} not saved (typed input not understood: "
                     f"{html.escape(shown)})</span>")
        self._w_status.value = f'<span style="color:{color}">{text}</span>'

    # -- notebook display ----------------------------------------------------------------
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self._w_root._repr_mimebundle_(**kwargs)


@atexit.register
def _flush_live_forms() -> None:
    # A kernel restart exits the process: what was typed in the last second is written now.
    # Quietly: no widget is updated (that would send messages on the kernel's closing
    # streams), nothing is printed, and a failure never blocks the exit.
    for form in list(_LIVE):
        try:
            form._saver.flush(quiet=True)
        except Exception:
            pass
