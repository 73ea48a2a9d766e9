"""The form's panes, built by walking the template's :data:`~postmortem_kit.document.layout.
LAYOUT`, and the completeness marker on each pane's title.

Every level-2 heading of the template is one pane, in the template's order; its level-3
headings (Detection, Key Events, Resolution; Immediate Actions, Long-term Improvements)
are sub-headings inside it. Walking the layout rather than listing fields by hand means a
field added to the template shows up in the form without touching this module.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ipywidgets as W

from postmortem_kit.document import layout as L
from postmortem_kit.document.check import Problem
from postmortem_kit.widgets.binding import (
    DocumentRef,
    Editor,
    FieldBinding,
    date_field,
    severity_field,
    text_field,
    time_field,
)
from postmortem_kit.widgets.lists import link_list, text_list
from postmortem_kit.widgets.tables import (
    KeyEventsEditor,
    immediate_actions,
    long_term_improvements,
)

# Labeled text fields short enough for one line; everything else is prose in a text area.
SHORT_TEXT = frozenset({"impact.users_affected"})


@dataclass
class Pane:
    """One accordion pane: a level-2 section of the template and what edits it."""

    heading: str
    editors: list[Editor] = field(default_factory=list)
    children: list[W.Widget] = field(default_factory=list)

    @property
    def roots(self) -> set[str]:
        """The top-level document keys this pane edits (``"detection"``, ``"key_events"``)."""
        return {p.split(".")[0].split("[")[0] for e in self.editors for p in e.paths}

    def add(self, editor: Editor) -> None:
        self.editors.append(editor)
        self.children.append(editor.widget)


def editors_for(ref: DocumentRef, block: L.Block) -> list[Editor]:
    """The editor(s) for one block of the layout."""
    if isinstance(block, L.NumberedList):
        return [text_list(ref, block.path, placeholder=block.placeholder.strip("[]"))]
    if isinstance(block, L.LinkList):
        return [link_list(ref, block.path)]
    if isinstance(block, L.Table):
        if block.path == "key_events":
            return [KeyEventsEditor(ref)]
        if block.path == "action_items.immediate":
            return [immediate_actions(ref)]
        return [long_term_improvements(ref)]
    return _labeled(ref, block)


def _labeled(ref: DocumentRef, block: L.Labeled) -> list[Editor]:
    if block.kind == "duration":
        # The template's "Duration: [Start time] to [End time]": two pickers; the duration
        # itself is derived, shown in the preview.
        return [time_field(ref, "overview.start", "Start"),
                time_field(ref, "overview.end", "End")]
    if block.kind == "date":
        return [date_field(ref, block.path, block.label)]
    if block.kind == "time":
        return [time_field(ref, block.path, block.label)]
    if block.kind == "severity":
        return [severity_field(ref, block.path, block.label)]
    if block.kind == "names":
        editor = text_list(ref, block.path, placeholder="name or team", add_label="Add person")
        box = W.VBox([W.HTML(f"<b>{html.escape(block.label)}</b>"), editor.widget])
        editor.widget = box
        return [editor]
    return [text_field(ref, block.path, block.label, long=block.path not in SHORT_TEXT,
                       placeholder=block.placeholder.strip("[]"))]


def build_panes(ref: DocumentRef) -> list[Pane]:
    """One :class:`Pane` per level-2 section of the template, in order."""
    panes: list[Pane] = []
    for section in L.LAYOUT:
        if section.level == 2:
            panes.append(Pane(section.heading))
        else:
            panes[-1].children.append(W.HTML(f"<h4 style='margin:12px 0 4px'>"
                                              f"{html.escape(section.heading)}</h4>"))
        for block in section.blocks:
            for editor in editors_for(ref, block):
                panes[-1].add(editor)
    return panes


def pane_of(path: str, panes: Iterable[Pane]) -> Pane | None:
    """The pane holding the field at JSON path ``path`` (``key_events[2].time``)."""
    root = path.split(".")[0].split("[")[0]
    return next((p for p in panes if root in p.roots), None)


def marker(pane: Pane, problems: Iterable[Problem]) -> str:
    """The pane's title with its completeness mark.

    ``✓`` nothing to do, ``✗`` errors (required fields empty, inconsistencies, input that
    was not saved), ``○`` only warnings (recommended fields empty).
    """
    errors = warnings = 0
    for problem in problems:
        if pane_of(problem.where, [pane]) is pane:
            errors += problem.level == "error"
            warnings += problem.level == "warning"
    errors += sum(len(e.errors()) for e in pane.editors)
    if errors:
        return f"✗ {pane.heading} — {errors} to fix"
    if warnings:
        return f"○ {pane.heading} — {warnings} to review"
    return f"✓ {pane.heading}"


SHOWN_ERRORS = 8  # more than this and the rest fold away: the list stays short


def _items(items: Sequence[tuple[str, str, str]]) -> str:
    colors = {"error": "#b42318", "warning": "#9a6700"}
    lines = "".join(
        f'<li><span style="color:{colors[level]}">{level}</span> '
        f"<code>{html.escape(where)}</code>: {html.escape(message)}</li>"
        for level, where, message in items)
    return f"<ul style='margin:2px 0;padding-left:20px'>{lines}</ul>"


def problems_html(problems: list[Problem], rejected: list[tuple[str, str]]) -> str:
    """The completeness check as a short list: errors first, warnings folded away.

    Everything is escaped: problems quote document text.
    """
    errors = [("error", where, f"{what} (typed, not saved)") for where, what in rejected]
    errors += [(p.level, p.where, p.message) for p in problems if p.level == "error"]
    warnings = [(p.level, p.where, p.message) for p in problems if p.level == "warning"]
    if not errors and not warnings:
        return "<b>Check:</b> ✓ complete, nothing to fix."
    out = [f"<b>Check:</b> {len(errors)} error{'s' * (len(errors) != 1)}, "
           f"{len(warnings)} warning{'s' * (len(warnings) != 1)}"]
    if errors:
        out.append(_items(errors[:SHOWN_ERRORS]))
    if len(errors) > SHOWN_ERRORS:
        more = len(errors) - SHOWN_ERRORS
        out.append(f"<details><summary>{more} more error{'s' * (more != 1)}</summary>"
                   f"{_items(errors[SHOWN_ERRORS:])}</details>")
    if warnings:
        out.append(f"<details><summary>{len(warnings)} warning"
                   f"{'s' * (len(warnings) != 1)} to review</summary>"
                   f"{_items(warnings)}</details>")
    return "".join(out)


def binding_by_path(panes: Iterable[Pane]) -> dict[str, FieldBinding]:
    """Every scalar field binding by its dotted path (tests and the form look them up)."""
    return {e.path: e for p in panes for e in p.editors if isinstance(e, FieldBinding)}
