"""What a postmortem states about its own timing, in words: ``Time to detection: 8 minutes``.

Many postmortems state their time to detect / acknowledge / mitigate / recover as text (a
"Stats" list, a response-time paragraph) rather than as times. Imported, such lines are
kept in the Response Time Analysis field (:attr:`Assessment.response_time_analysis`), where
an author of our template writes them too; :func:`stated_durations` reads them back, for
comparing with the document's own timeline (``postmortem portfolio``).

The metrics are the DESIGN ones: TTD = detected - started, TTA = acknowledged - detected,
TTM = mitigated - started, TTR = resolved - started.
"""

from __future__ import annotations

import datetime as dt
import re

from postmortem_kit.document.times import parse_duration

#: The labels people use for each metric (compared case- and punctuation-insensitively).
STATED_LABELS: dict[str, tuple[str, ...]] = {
    "ttd": ("time to detection", "time to detect", "ttd", "mttd", "detection time",
            "time to discovery"),
    "tta": ("time to acknowledge", "time to acknowledgement", "time to acknowledgment", "tta",
            "mtta", "time to ack"),
    "ttm": ("time to mitigate", "time to mitigation", "ttm", "mttm"),
    "ttr": ("time to recovery", "time to recover", "time to resolve", "time to resolution",
            "time to restore", "ttr", "mttr", "time to repair", "outage duration",
            "impact duration", "duration"),
}

# Linear on any line: the label is bounded, the value taken whole and trimmed in Python.
_LINE = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+|\d+[.)][ \t]+)?(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z ()/-]{0,40}?)"
    r"(?:\*\*|__)?[ \t]*[:=](?P<value>[^\n]*)", re.MULTILINE)


def _key(label: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", label.lower()).split())


_METRIC_OF = {_key(label): metric for metric, labels in STATED_LABELS.items()
              for label in labels}


def stated_durations(text: str) -> dict[str, dt.timedelta]:
    """The metrics ``text`` states in ``Label: duration`` lines, by metric name.

    Examples
    --------
    >>> stated = stated_durations("- Time to detection: 8 minutes\\n- TTR: ~1h 5m")
    >>> {k: str(v) for k, v in stated.items()}
    {'ttd': '0:08:00', 'ttr': '1:05:00'}
    """
    out: dict[str, dt.timedelta] = {}
    for match in _LINE.finditer(text):
        metric = _METRIC_OF.get(_key(match["label"]))
        if metric is None or metric in out:
            continue
        try:
            out[metric] = parse_duration(match["value"].strip(" \t*_"))
        except ValueError:
            continue
    return out


def metric_of(label: str) -> str | None:
    """``"ttd"``... for a label naming a metric (``Time to detection``), else None."""
    return _METRIC_OF.get(_key(label))
