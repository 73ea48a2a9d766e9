""""Prefill from evidence": the key-event candidates with checkboxes and the button.

The filling itself is :func:`postmortem_kit.document.prefill.prefill` (it fills only empty
fields, so the author's words always win); this module only shows the timeline's key-event
candidates so the author picks which go into the table, and reports what was filled.

The candidates sit in their own collapsible pane, closed once the table has rows (a long
list must not push the form's fields off the first screen). A candidate the author removed
from the table (:attr:`~postmortem_kit.document.model.Postmortem.dismissed_key_events`) is
shown unticked and says so: only ticking it again brings it back.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import pandas as pd

from postmortem_kit.document.model import Postmortem
from postmortem_kit.document.prefill import TOP_KEY_EVENTS
from postmortem_kit.document.times import format_time

if TYPE_CHECKING:  # pragma: no cover
    from postmortem_kit.timeline.model import Timeline


def prefill_document(pm: Postmortem, tl: Timeline, *, key_events: Sequence[int] | None = None,
                     charts: Sequence[Mapping[str, str]] = ()) -> list[str]:
    """Fill the empty fields of ``pm`` from ``tl`` (the form calls this one name).

    A module-level seam so tests can replace the filling and check the panel alone.
    """
    from postmortem_kit.document.prefill import prefill

    return prefill(pm, tl, key_events=key_events, charts=charts)


def _candidate_key(row: pd.Series) -> tuple[Any, str]:
    return pd.Timestamp(row["time"]).to_pydatetime(), str(row["event"])


class PrefillPanel:
    """Key-event candidates to tick, and the button that fills the document.

    Parameters
    ----------
    get_document
        Returns the form's current document.
    timeline
        Where the facts come from; None disables the button and says why.
    charts
        Chart links (``{"title", "url"}``) to add to supporting documentation.
    on_filled
        Called with the filled paths after a prefill changed the document.
    """

    def __init__(self, get_document: Callable[[], Postmortem], timeline: Timeline | None,
                 charts: Sequence[Mapping[str, str]] = (),
                 on_filled: Callable[[list[str]], None] | None = None) -> None:
        self._get_document = get_document
        self.timeline = timeline
        self.charts = tuple(charts)
        self._on_filled = on_filled
        self.checkboxes: list[W.Checkbox] = []
        self._labels: list[W.HTML] = []
        self._lines: list[W.HBox] = []
        self._w_button = W.Button(description="Prefill from evidence", icon="",
                                  button_style="primary", layout=W.Layout(width="auto"),
                                  tooltip="Fill empty fields from the timeline; "
                                          "never overwrites what you wrote")
        self._w_button.on_click(lambda _: self.prefill())
        self._w_message = W.HTML()
        self._w_candidates = W.VBox(layout=W.Layout(max_height="360px", overflow="auto"))
        header = W.HTML("Tick the ones to add to the Key Events table, then "
                        "<b>Prefill from evidence</b>.")
        self._w_details = W.Accordion(children=[W.VBox([header, self._w_candidates])],
                                      titles=("Key event candidates",), selected_index=None)
        self._w_details.add_class("pmk-candidates")
        if timeline is None:
            self._w_button.disabled = True
            self._w_message.value = ("<i>No timeline: pass <code>timeline=derive_timeline("
                                     "events)</code> to prefill from the evidence.</i>")
            self._w_details.layout.display = "none"
        self.toolbar = W.HBox([self._w_button, self._w_message],
                              layout=W.Layout(align_items="center"))
        self.widget = self._w_details
        self.refresh()
        if not self._get_document().key_events and timeline is not None:
            self._w_details.selected_index = 0  # nothing in the table yet: show the choice

    def refresh(self) -> None:
        """Show the candidates as the document now has them: in the table, removed from it
        (dismissed), or neither. Widgets are updated in place (this runs as the author edits
        the table), and a tick the author set or cleared is kept."""
        if self.timeline is None or not len(self.timeline.key_events):
            self.checkboxes = []
            self._w_candidates.children = [W.HTML("<i>no candidates</i>")]
            return
        pm = self._get_document()
        have = {(e.time, e.event) for e in pm.key_events}
        frame = self.timeline.key_events
        if len(self.checkboxes) != len(frame):
            self._build_lines(len(frame))
        for pos, (_, row) in enumerate(frame.iterrows()):
            key = _candidate_key(row)
            present = key in have
            dismissed = not present and pm.dismissed(*key)
            box, label, line = self.checkboxes[pos], self._labels[pos], self._lines[pos]
            if box.disabled and not present:  # just left the table: back to its default
                box.value = pos < TOP_KEY_EVENTS and not dismissed
            elif present:
                box.value = True
            box.disabled = present
            when = format_time(key[0], pm.zone, day=pm.overview.date, with_zone=False)
            why = "" if pd.isna(row.get("why")) else str(row["why"])
            state = (" — already in the table" if present else
                     " — you removed it from the table; tick to add it back" if dismissed
                     else "")
            label.value = (f"<code>{html.escape(when)}</code> {html.escape(str(row['event']))}"
                           f' <span style="color:#57606a">{html.escape(why)}{state}</span>')
            if dismissed:
                line.add_class("pmk-dismissed")
            else:
                line.remove_class("pmk-dismissed")
        self._w_details.titles = (f"Key event candidates ({len(frame)})",)

    def _build_lines(self, count: int) -> None:
        pm = self._get_document()
        have = {(e.time, e.event) for e in pm.key_events}
        keys = [_candidate_key(row) for _, row in self.timeline.key_events.iterrows()] \
            if self.timeline is not None else []
        self.checkboxes, self._labels, self._lines = [], [], []
        for pos in range(count):
            default = pos < TOP_KEY_EVENTS and not pm.dismissed(*keys[pos])
            box = W.Checkbox(value=keys[pos] in have or default, disabled=keys[pos] in have,
                             indent=False, layout=W.Layout(width="28px"))
            label = W.HTML()
            self.checkboxes.append(box)
            self._labels.append(label)
            self._lines.append(W.HBox([box, label], layout=W.Layout(align_items="center")))
        self._w_candidates.children = self._lines

    def picked(self) -> list[int]:
        """Row positions in ``timeline.key_events`` ticked and not already in the table."""
        return [i for i, box in enumerate(self.checkboxes) if box.value and not box.disabled]

    def prefill(self) -> list[str]:
        """Fill the document's empty fields and add the ticked key events."""
        if self.timeline is None:
            return []
        filled = prefill_document(self._get_document(), self.timeline,
                                  key_events=self.picked(), charts=self.charts)
        if filled:
            self._w_message.value = (f"Filled {len(filled)}: "
                                     f"{html.escape(', '.join(filled))}. "
                                     "Fields you had written were left alone.")
        else:
            self._w_message.value = "Nothing to fill: every field the evidence covers has text."
        self.refresh()
        if filled and self._on_filled is not None:
            self._on_filled(filled)
        return filled
