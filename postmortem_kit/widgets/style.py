"""The form's style sheet: layout, the sticky status line, one font, growing text cells.

One ``<style>`` element inside the form (an HTML widget), scoped to ``.pmk-form``, so it
travels with the form and touches nothing else on the page:

- the status line sticks to the top of the notebook's view while the form scrolls under it;
- the fields and the preview share a grid: one column, and the preview beside the fields
  on a window of :data:`WIDE_WINDOW` or more, as long as the form itself is at least
  :data:`WIDE_FORM` wide (a notebook in a narrow split keeps one column);
- every text input uses the interface font (ipywidgets gives text areas a monospace one);
- table cells and text areas grow with their text instead of cutting it off; the Key Events
  table is a grid whose rows fold onto two lines when the table is narrow (a sidebar open,
  the preview beside), so the event text keeps a readable width;
- a field's "not saved" error stays hidden while the field has focus (the author is fixing
  it) and shows again when the author moves on;
- a form whose kernel went away (``jupyter-widgets-disconnected``) says so and fades.
"""

from __future__ import annotations

WIDE_WINDOW = "1400px"
WIDE_FORM = "900px"

STYLE = """<style>
.pmk-form { container-type: inline-size; container-name: pmk; overflow: visible !important; }
/* Output areas clip and scroll on their own; a sticky status line needs the notebook's
   scroller as its nearest scrolling ancestor, so the form's output area lets it through. */
.jp-OutputArea:has(.pmk-form), .jp-OutputArea-child:has(.pmk-form),
.jp-OutputArea-output:has(.pmk-form) { overflow: visible !important; }
.pmk-form .pmk-status {
  position: sticky; top: 0; z-index: 20; flex-wrap: wrap; gap: 4px 8px;
  background: var(--jp-layout-color1, #fff); min-height: 30px; padding: 4px 2px;
  border-bottom: 1px solid var(--jp-border-color2, #d0d7de);
}
.pmk-form .pmk-status .widget-html-content { line-height: 1.35; }
.pmk-form .pmk-gone, .pmk-form .pmk-guard { display: none; }
.pmk-form.jupyter-widgets-disconnected .pmk-gone { display: block; color: #b42318; }
.pmk-form.jupyter-widgets-disconnected .pmk-status > :not(.pmk-gone) { display: none !important; }
.pmk-form.jupyter-widgets-disconnected .pmk-body { opacity: .45; pointer-events: none; }
.pmk-form .pmk-body {
  display: grid !important; grid-template-columns: minmax(0, 1fr); gap: 12px;
  align-items: start;
}
.pmk-form .pmk-main, .pmk-form .pmk-side { min-width: 0; }
.pmk-form .pmk-body, .pmk-form .pmk-main, .pmk-form .pmk-side { overflow: visible !important; }
.pmk-form .pmk-preview { max-height: 520px; }
@media (min-width: WIDE_WINDOW) { @container pmk (min-width: WIDE_FORM) {
  .pmk-form .pmk-body { grid-template-columns: minmax(0, 1fr) minmax(300px, 36%); }
  .pmk-form .pmk-side { position: sticky; top: 44px; }
  .pmk-form .pmk-preview { max-height: calc(100vh - 170px); }
} }
.pmk-form .widget-hbox > *, .pmk-form .widget-vbox > * { min-width: 0; }
.pmk-form input, .pmk-form textarea, .pmk-form select {
  font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size1);
}
.pmk-form textarea {
  field-sizing: content; height: auto !important; min-height: 4.4em; line-height: 1.35;
  overflow-wrap: anywhere;
}
.pmk-form .pmk-grow textarea { min-height: 0; resize: none; overflow: hidden; }
.pmk-form .pmk-field:focus-within > .pmk-error,
.pmk-form .pmk-rowbox:focus-within > .pmk-error { display: none !important; }
.pmk-form .pmk-key-events { container: pmkrows / inline-size; }
.pmk-form .pmk-key-events .pmk-row, .pmk-form .pmk-key-events .pmk-head {
  display: grid !important; gap: 2px 4px; align-items: start;
  grid-template-columns: 8.5em minmax(0, 2fr) minmax(0, 1.5fr) 6.5em 8em 34px 34px 34px;
  grid-template-areas: "time event action source prov up down rm";
}
.pmk-form .pmk-key-events .pmk-row > *, .pmk-form .pmk-key-events .pmk-head > * {
  width: auto !important; margin: 0 !important;
}
.pmk-form .pmk-key-events .pmk-cell-time { grid-area: time; }
.pmk-form .pmk-key-events .pmk-cell-event { grid-area: event; }
.pmk-form .pmk-key-events .pmk-cell-action-taken { grid-area: action; }
.pmk-form .pmk-key-events .pmk-cell-source { grid-area: source; }
.pmk-form .pmk-key-events .pmk-cell-provenance { grid-area: prov; }
.pmk-form .pmk-key-events .pmk-up { grid-area: up; }
.pmk-form .pmk-key-events .pmk-down { grid-area: down; }
.pmk-form .pmk-key-events .pmk-remove { grid-area: rm; }
.pmk-form .pmk-key-events .pmk-pad { display: none; }
@container pmkrows (max-width: 640px) {
  .pmk-form .pmk-key-events .pmk-row, .pmk-form .pmk-key-events .pmk-head {
    grid-template-columns: 8.5em minmax(0, 1fr) minmax(0, 1fr) 34px 34px 34px;
    grid-template-areas: "time event event up down rm" "source action action prov prov prov";
  }
  .pmk-form .pmk-key-events .pmk-row { padding-bottom: 6px;
    border-bottom: 1px dashed var(--jp-border-color2, #d0d7de); }
}
.pmk-form .pmk-conflict {
  border: 2px solid #d4a72c; background: #fff8c5; padding: 4px 8px; margin: 4px 0;
  color: #3b2300;
}
</style>""".replace("WIDE_WINDOW", WIDE_WINDOW).replace("WIDE_FORM", WIDE_FORM)
