""""Prefill from evidence": the key-event candidates with checkboxes and the button.

The filling itself is :func:`postmortem_kit.document.prefill.prefill` (it fills only empty
fields, so the author's words always win); this module only shows the timeline's key-event
candidates so the author picks which go into the table, and reports what was filled.
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
        self._w_button = W.Button(description="Prefill from evidence", icon="",
                                  button_style="primary", layout=W.Layout(width="auto"),
                                  tooltip="Fill empty fields from the timeline; "
                                          "never overwrites what you wrote")
        self._w_button.on_click(lambda _: self.prefill())
        self._w_message = W.HTML()
        self._w_candidates = W.VBox()
        header = W.HTML("<b>Key event candidates</b> (tick the ones to add to the table)")
        self._w_details = W.VBox([header, self._w_candidates])
        if timeline is None:
            self._w_button.disabled = True
            self._w_message.value = ("<i>No timeline: pass <code>timeline=derive_timeline("
                                     "events)</code> to prefill from the evidence.</i>")
            self._w_details.layout.display = "none"
        self.widget = W.VBox([W.HBox([self._w_button, self._w_message],
                                     layout=W.Layout(align_items="center")),
                              self._w_details])
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the candidate list; candidates already in the table show as such."""
        if self.timeline is None or not len(self.timeline.key_events):
            self.checkboxes = []
            self._w_candidates.children = [W.HTML("<i>no candidates</i>")]
            return
        pm = self._get_document()
        have = {(e.time, e.event) for e in pm.key_events}
        # A candidate the author unticked stays unticked across refreshes.
        before = {i: box.value for i, box in enumerate(self.checkboxes) if not box.disabled}
        rows, self.checkboxes = [], []
        for pos, (_, row) in enumerate(self.timeline.key_events.iterrows()):
            present = _candidate_key(row) in have
            box = W.Checkbox(value=present or before.get(pos, pos < TOP_KEY_EVENTS),
                             disabled=present,
                             indent=False, layout=W.Layout(width="28px"))
            self.checkboxes.append(box)
            when = format_time(pd.Timestamp(row["time"]).to_pydatetime(), pm.zone,
                               day=pm.overview.date, with_zone=False)
            why = "" if pd.isna(row.get("why")) else str(row["why"])
            text = (f"<code>{html.escape(when)}</code> {html.escape(str(row['event']))}"
                    f' <span style="color:#57606a">{html.escape(why)}'
                    f"{' — already in the table' if present else ''}</span>")
            rows.append(W.HBox([box, W.HTML(text)], layout=W.Layout(align_items="center")))
        self._w_candidates.children = rows

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
