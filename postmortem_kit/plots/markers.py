"""Changes (deploys, rollbacks, config and flag changes) and alerts as marker rows.

Each marker type is one scatter collection however many rows it stands for, drawn in a
strip along the top of the axes (x in data, y in axes coordinates) so the markers never
hide the curves below them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.transforms import blended_transform_factory

from postmortem_kit.plots.bins import kind_is
from postmortem_kit.plots.style import GREY, OKABE_ITO, to_num
from postmortem_kit.timeline.rules import is_rollback

# (label, marker, face, edge): shape tells the type even in greyscale.
MARKER_STYLES: dict[str, tuple[str, str, str, str]] = {
    "deploy": ("deploy", "^", OKABE_ITO["black"], OKABE_ITO["black"]),
    "rollback": ("rollback", "v", "white", OKABE_ITO["black"]),
    "change": ("config / flag change", "D", GREY, GREY),
    "alert_firing": ("alert firing", "o", OKABE_ITO["vermillion"], OKABE_ITO["vermillion"]),
    "alert_resolved": ("alert resolved", "o", "white", OKABE_ITO["vermillion"]),
}
ROW_Y = {"deploy": 0.955, "rollback": 0.955, "change": 0.955,
         "alert_firing": 0.895, "alert_resolved": 0.895}
_FIRING = ("firing", "triggered")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series("", index=frame.index, dtype="str")
    return frame[column].astype("str").fillna("")


def classify_changes(events: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Split deploy/change events and alerts into the marker types of :data:`MARKER_STYLES`.

    A rollback is what the timeline's rule says it is (:func:`~postmortem_kit.timeline.
    rules.is_rollback`); alerts split on ``state`` (firing or triggered vs resolved).
    """
    if events is None or not len(events) or "kind" not in events:
        return {}
    changes = events[kind_is(events, "deploy", "change")]
    alerts = events[kind_is(events, "alert")]
    out: dict[str, pd.DataFrame] = {}
    if len(changes):
        ctype = _text(changes, "change_type").str.lower()
        rollback = is_rollback(changes)
        is_deploy = ((changes["kind"].astype("str") == "deploy")
                     & ~ctype.isin(["config", "flag"])).to_numpy(dtype=bool)
        out["rollback"] = changes[rollback]
        out["deploy"] = changes[~rollback & is_deploy]
        out["change"] = changes[~rollback & ~is_deploy]
    if len(alerts):
        state = _text(alerts, "state").str.lower()
        out["alert_firing"] = alerts[state.isin(_FIRING).to_numpy(dtype=bool)]
        out["alert_resolved"] = alerts[(state == "resolved").to_numpy(dtype=bool)]
    for frame in out.values():
        # Slices inherit the evidence's attrs (a DataFrame of rejected lines), which makes
        # pd.concat compare them and fail: these subsets do not need them.
        frame.attrs = {}
    return {k: v for k, v in out.items() if len(v)}


def draw_markers(ax: Axes, groups: dict[str, pd.DataFrame], *, size: float = 46,
                 ) -> list[Any]:
    """One scatter per marker type, in the strip along the top of ``ax``."""
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    artists = []
    for key in MARKER_STYLES:
        if key not in groups:
            continue
        label, marker, face, edge = MARKER_STYLES[key]
        x = to_num(groups[key]["timestamp"])
        y = np.full(len(x), ROW_Y[key])
        artists.append(ax.scatter(x, y, s=size, marker=marker, facecolors=face,
                                  edgecolors=edge, linewidths=1.1, transform=trans,
                                  zorder=5, clip_on=False, label=label))
    return artists


def change_labels(groups: dict[str, pd.DataFrame], limit: int = 10) -> list[tuple[Any, str]]:
    """Short labels for the deploys and rollbacks (``checkout v2.14.0``), at most ``limit``.

    Labels say which service changed to what, which is what a reader needs to connect a
    marker to the story; config and flag changes keep only their marker when crowded.
    """
    rows = [groups[k] for k in ("rollback", "deploy", "change") if k in groups]
    if not rows:
        return []
    frame = pd.concat([r[["timestamp", *[c for c in ("service", "version", "message")
                                          if c in r]]] for r in rows], ignore_index=True)
    # Most telling first (rollbacks, deploys, other changes): the label stagger gives the
    # space to whichever comes first.
    frame = frame.head(limit)
    labels = []
    for row in frame.itertuples(index=False):
        service = getattr(row, "service", None)
        version = getattr(row, "version", None)
        parts = [str(v) for v in (service, version) if isinstance(v, str) and v]
        message = getattr(row, "message", None)
        if len(parts) < 2 and isinstance(message, str) and message:
            parts = [message] if message.startswith(str(service)) else [*parts, message]
        labels.append((row.timestamp, " ".join(parts)))
    return labels
