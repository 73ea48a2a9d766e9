"""The form's style sheet: layout, the sticky status line, one font, growing text cells.

One ``<style>`` element inside the form (an HTML widget), scoped to ``.pmk-form``, so it
travels with the form and touches nothing else on the page:

- the status line sticks to the top of the notebook's view while the form scrolls under it;
- the fields and the preview share a grid: one column, and the preview beside the fields
  once the form is wider than :data:`SIDE_BY_SIDE` (a container query, so a sidebar opened
  in JupyterLab counts);
- every text input uses the interface font (ipywidgets gives text areas a monospace one);
- table cells and text areas grow with their text instead of cutting it off;
- a field's "not saved" error stays hidden while the field has focus, so half-typed input
  does not flash red, and shows when the author moves on;
- a form whose kernel went away (``jupyter-widgets-disconnected``) says so and fades.
"""

from __future__ import annotations

SIDE_BY_SIDE = "1180px"

STYLE = """<style>
.pmk-form { container-type: inline-size; container-name: pmk; }
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
.pmk-form .pmk-preview { max-height: 520px; }
@container pmk (min-width: SIDE_BY_SIDE) {
  .pmk-form .pmk-body { grid-template-columns: minmax(0, 1fr) minmax(340px, 38%); }
  .pmk-form .pmk-side { position: sticky; top: 44px; }
  .pmk-form .pmk-preview { max-height: calc(100vh - 170px); }
}
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
.pmk-form .pmk-conflict {
  border: 2px solid #d4a72c; background: #fff8c5; padding: 4px 8px; margin: 4px 0;
  color: #3b2300;
}
</style>""".replace("SIDE_BY_SIDE", SIDE_BY_SIDE)
