"""One widget per scalar field of the document, bound both ways to a dotted path.

A binding reads the field when asked (:meth:`FieldBinding.refresh`) and writes it on every
widget change. A value the document refuses (a time or date it cannot read, pydantic
validation, or a consistency rule such as "the end is after the start") is not written: the
widget keeps what the user typed, an error next to it says so and what the file keeps, and
the document (hence the file) keeps its last valid value. Times and dates are typed as text,
24-hour, in the document's zone, and read strictly: no browser picker guesses at them. They
are read when the author leaves the field (or presses Enter), never half-typed: clearing a
time to retype it does not save an empty one on the way.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any, Protocol

import ipywidgets as W
from pydantic import ValidationError

from postmortem_kit.document.layout import get_path
from postmortem_kit.document.merge import Conflict
from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.rules import incident_day
from postmortem_kit.document.storage import validation_problems
from postmortem_kit.document.times import format_time, parse_date, parse_time
from postmortem_kit.widgets.conflicts import Choose, ConflictBox

SEVERITY_OPTIONS = (("—", None), ("P0", "P0"), ("P1", "P1"), ("P2", "P2"), ("P3", "P3"))
LABEL_WIDTH = "190px"


class DocumentRef(Protocol):
    """What editors need from the form: the current document and a way to report edits."""

    @property
    def document(self) -> Postmortem: ...

    def edited(self, path: str) -> None: ...

    def rejected(self, path: str) -> None: ...


class Editor(Protocol):
    """A piece of the form that edits part of the document."""

    widget: W.Widget
    paths: tuple[str, ...]

    def refresh(self, *, keep_invalid: bool = False) -> None: ...

    def errors(self) -> list[tuple[str, str]]: ...

    def show_conflicts(self, conflicts: list[Conflict], choose: Choose) -> None: ...


def error_box() -> W.HTML:
    """The red line under a field that explains why its value was not saved.

    The form's style sheet hides it while the field has focus, so a half-typed ``14:0``
    does not flash an error; it shows once the author leaves the field.
    """
    box = W.HTML("", layout=W.Layout(display="none", margin="0 0 0 " + LABEL_WIDTH))
    box.add_class("pmk-error")
    return box


def show_error(box: W.HTML, message: str | None, keeps: str | None = None) -> None:
    """Show ``message`` in ``box`` (hide the box when None); ``keeps`` is what the file has."""
    if message:
        kept = f"; the file keeps {html.escape(keeps)}" if keeps else ""
        box.value = (f'<span style="color:#b42318">⚠ {html.escape(message)} '
                     f"(not saved{kept})</span>")
        box.layout.display = ""
    else:
        box.value = ""
        box.layout.display = "none"


def friendly(exc: ValidationError) -> str:
    """What a pydantic error says (at most two problems), without the field path.

    The path is left out because the message shows right beside the field or row.
    """
    return "; ".join(what for _, what in validation_problems(exc)[:2])


def consistency_error(pm: Postmortem, path: str, value: Any) -> str | None:
    """Cross-field rules a value must pass before it is written (an end after the start)."""
    start, end = pm.overview.start, pm.overview.end
    if path == "overview.end" and value is not None and start is not None and value < start:
        return f"the end is before the start ({pm.to_local(start):%Y-%m-%d %H:%M})"
    if path == "overview.start" and value is not None and end is not None and value > end:
        return f"the start is after the end ({pm.to_local(end):%Y-%m-%d %H:%M})"
    return None


class FieldBinding:
    """A widget bound to the scalar field at ``path`` (``"overview.impact"``).

    Parameters
    ----------
    ref
        The form (current document, edit notifications).
    path
        Dotted path into the document.
    label
        The template's bold label.
    widget
        The input widget; its ``value`` is read and written.
    to_doc, from_doc
        Convert the widget value to the document's and back (identity by default);
        ``to_doc`` raises ValueError for input it cannot read.
    note
        Text shown after the widget, recomputed on every refresh (a time's zone).
    """

    def __init__(self, ref: DocumentRef, path: str, label: str, widget: W.ValueWidget, *,
                 to_doc: Callable[[Postmortem, Any], Any] | None = None,
                 from_doc: Callable[[Postmortem, Any], Any] | None = None,
                 note: Callable[[Postmortem], str] | None = None) -> None:
        self.ref = ref
        self.path = path
        self.paths: tuple[str, ...] = (path,)
        self._w_input = widget
        # A stable CSS class per field, so a browser test (or a user's CSS) can find it.
        widget.add_class("pmk-" + path.replace(".", "-").replace("_", "-"))
        self._w_error = error_box()
        self._to_doc = to_doc or (lambda pm, v: v)
        self._from_doc = from_doc or (lambda pm, v: v)
        self._error: str | None = None
        self._quiet = False
        self._note = note
        self._w_note = W.HTML()
        self.conflict = ConflictBox()
        label_widget = W.HTML(f"<b>{html.escape(label)}</b>",
                              layout=W.Layout(width=LABEL_WIDTH, flex="0 0 auto"))
        row = [label_widget, widget, self._w_note] if note else [label_widget, widget]
        self.widget = W.VBox([self.conflict.widget,
                              W.HBox(row, layout=W.Layout(align_items="center")),
                              self._w_error])
        self.widget.add_class("pmk-field")
        widget.observe(self._on_change, names="value")
        self.refresh()

    @property
    def value(self) -> Any:
        """What the widget shows now."""
        return self._w_input.value

    @value.setter
    def value(self, new: Any) -> None:
        self._w_input.value = new

    @property
    def error(self) -> str | None:
        """Why the widget's value is not in the document, or None."""
        return self._error

    def errors(self) -> list[tuple[str, str]]:
        return [(self.path, self._error)] if self._error else []

    def show_conflicts(self, conflicts: list[Conflict], choose: Choose) -> None:
        """Show the conflicts on this field (none hides the box)."""
        self.conflict.show([c for c in conflicts if c.id == self.path], self.ref.document,
                           choose)

    def refresh(self, *, keep_invalid: bool = False) -> None:
        """Show the document's value (with ``keep_invalid``, leave rejected input in place)."""
        if self._note is not None:
            self._w_note.value = (f'<span style="color:#57606a">&nbsp;'
                                  f"{html.escape(self._note(self.ref.document))}</span>")
        if keep_invalid and self._error:
            return
        self._quiet = True
        try:
            self._w_input.value = self._from_doc(self.ref.document,
                                                 get_path(self.ref.document, self.path))
        finally:
            self._quiet = False
        self._set_error(None)

    def retry(self) -> None:
        """Try again to write rejected input (another field may have made it valid)."""
        if self._error:
            self._apply(self._w_input.value)

    def _on_change(self, change: dict[str, Any]) -> None:
        if not self._quiet:
            self._apply(change["new"])

    def _apply(self, raw: Any) -> None:
        pm = self.ref.document
        *parents, leaf = self.path.split(".")
        node = get_path(pm, ".".join(parents)) if parents else pm
        try:
            value = self._to_doc(pm, raw)
        except ValueError as exc:
            self._set_error(str(exc))
            return
        problem = consistency_error(pm, self.path, value)
        if problem:
            self._set_error(problem)
            return
        if getattr(node, leaf) == value:
            self._set_error(None)
            return
        try:
            setattr(node, leaf, value)
        except ValidationError as exc:
            self._set_error(friendly(exc))
            return
        self._set_error(None)
        self.ref.edited(self.path)

    def _set_error(self, message: str | None) -> None:
        was = self._error
        self._error = message
        keeps = None
        if message:
            kept = self._from_doc(self.ref.document, get_path(self.ref.document, self.path))
            keeps = repr(kept) if isinstance(kept, str) and kept else "it empty"
        show_error(self._w_error, message, keeps)
        if message != was:
            self.ref.rejected(self.path)  # the pane's marker and the check list count it


# -- the widget for each kind of field ---------------------------------------------------
def _full_width(**kw: Any) -> W.Layout:
    return W.Layout(width="100%", flex="1 1 auto", **kw)


def text_field(ref: DocumentRef, path: str, label: str, *, long: bool,
               placeholder: str = "") -> FieldBinding:
    """A Textarea for prose, a one-line Text for short values.

    ``placeholder`` is the template's hint (``What technically went wrong``), shown greyed
    in the empty field.
    """
    if long:
        widget: W.ValueWidget = W.Textarea(rows=3, layout=_full_width())
    else:
        widget = W.Text(layout=_full_width())
    widget.placeholder = placeholder
    return FieldBinding(ref, path, label, widget)


def severity_field(ref: DocumentRef, path: str, label: str) -> FieldBinding:
    """Severity as a P0-P3 dropdown with an empty choice."""
    return FieldBinding(ref, path, label,
                        W.Dropdown(options=SEVERITY_OPTIONS, layout=W.Layout(width="120px")))


def _date_to_doc(pm: Postmortem, text: str) -> dt.date | None:
    text = (text or "").strip()
    return parse_date(text) if text else None


def _date_from_doc(pm: Postmortem, value: dt.date | None) -> str:
    return "" if value is None else value.isoformat()


def date_field(ref: DocumentRef, path: str, label: str) -> FieldBinding:
    """A calendar date typed as ``2026-03-14`` (or spelled out: ``14 March 2026``).

    Text rather than the browser's date picker: a picker's parts take partial input (a
    five-digit year, the 31st of February) and hand the kernel a value other than the one
    shown; a typed date is read whole or refused with a reason.
    """
    widget = W.Text(placeholder="2026-03-14", layout=W.Layout(width="180px"),
                    continuous_update=False)
    return FieldBinding(ref, path, label, widget, to_doc=_date_to_doc, from_doc=_date_from_doc)


def read_time(pm: Postmortem, text: str) -> dt.datetime | None:
    """A time typed in a field: ``2026-03-14 14:05`` (24-hour, the document's zone), a time
    of day on the incident's date (``14:05``), or either with ``UTC`` or an offset.

    Raises ValueError saying what was expected; an empty text is None (the field cleared).
    """
    text = (text or "").strip()
    if not text:
        return None
    try:
        return parse_time(text, pm.zone, day=incident_day(pm))
    except ValueError as exc:
        if str(exc).startswith(("expected", "'")):
            raise
        # datetime's own words ("hour must be in 0..23", "day is out of range for month")
        raise ValueError(f"no such time: {exc} (got {text!r})") from None


def show_time(pm: Postmortem, value: dt.datetime | None) -> str:
    """A time as the field shows it: date and 24-hour time in the document's zone."""
    return "" if value is None else format_time(value, pm.zone, day=None, with_zone=False)


def time_field(ref: DocumentRef, path: str, label: str) -> FieldBinding:
    """A date and time typed as text, 24-hour, in the document's time zone (shown beside).

    See :func:`read_time` for what it accepts. Text rather than a picker: pickers follow
    the browser's locale (``02:03 PM``) while the report is 24-hour, and read partial input.
    """
    widget = W.Text(placeholder="2026-03-14 14:05", layout=W.Layout(width="240px"),
                    continuous_update=False)
    return FieldBinding(ref, path, label, widget, to_doc=read_time, from_doc=show_time,
                        note=lambda pm: pm.timezone)
