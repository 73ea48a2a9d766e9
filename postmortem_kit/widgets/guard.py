"""Stop a form whose kernel is gone from taking input nobody will save.

When the kernel restarts or stops, ipywidgets marks every view of its widgets with the
``jupyter-widgets-disconnected`` class; the form's status line shows "Disconnected" from
that alone (:mod:`~postmortem_kit.widgets.style`). The :class:`Guard`, a small front-end
widget inside the form, watches for that class and makes the form's fields ``inert`` (no
focus, no typing, no clicks) and takes the focus out of a field being typed in. It needs
nothing from the kernel, which is the point: the kernel is the thing that went away.
"""

from __future__ import annotations

import anywidget

_ESM = """
function render({ el }) {
  el.classList.add("pmk-guard");
  let tries = 0;
  const seal = (form) => {
    if (!form.classList.contains("jupyter-widgets-disconnected")) return false;
    form.classList.add("pmk-disconnected");
    for (const body of form.querySelectorAll(".pmk-body")) body.inert = true;
    const active = document.activeElement;
    if (active && form.contains(active)) active.blur();
    return true;
  };
  const watch = () => {
    const form = el.closest(".pmk-form");
    if (!form) {
      if (tries++ < 600) setTimeout(watch, 100);  // not in the page yet
      return;
    }
    if (seal(form)) return;
    const observer = new MutationObserver(() => { if (seal(form)) observer.disconnect(); });
    observer.observe(form, { attributes: true, attributeFilter: ["class"] });
  };
  watch();
}
export default { render };
"""


class Guard(anywidget.AnyWidget):
    """An invisible front-end widget that seals its form when the kernel goes away."""

    _esm = _ESM
