"""Chart labels in matplotlib's SVG: found line by line whatever the text's style, redacted
in place, and nothing read from the drawing itself (path data is full of digit runs that
look like phone and card numbers)."""

from __future__ import annotations

import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from postmortem_kit.plots.save import SVG_HASHSALT
from postmortem_kit.redact import Redactor
from postmortem_kit.redact.charts import redact_svg, svg_texts

matplotlib.use("Agg")

KEY = b"chart-test-key-chart-test-key-32"


def svg_of(fig) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg")
    plt.close(fig)
    return buffer.getvalue()


def busy_chart(label: str = "checkout v2.13.2") -> str:
    fig, ax = plt.subplots(figsize=(6, 3))
    rng = np.random.default_rng(7)
    for i in range(5):
        ax.plot(np.arange(400), rng.random(400).cumsum(), label=f"series {i}")
    ax.legend()
    ax.text(10, 10, label, color="#333333")            # a styled text group
    ax.set_ylabel("requests per second", color="#3a7ca5")
    return svg_of(fig)


def test_a_chart_without_secrets_comes_out_unchanged():
    svg = busy_chart()
    r = Redactor(key=KEY)
    assert redact_svg(svg, r, "busy.svg") == svg
    assert r.audit.total == 0


def test_styled_and_multi_line_labels_are_redacted_line_by_line():
    svg = busy_chart("u000274 from 203.0.113.9\nthen dana@gmail.example.com")
    r = Redactor(key=KEY, identities=["u000274"])
    out = redact_svg(svg, r, "busy.svg")
    assert r.audit.fields == {"busy.svg": {"user": 1, "email": 1, "ipv4": 1}}
    for secret in ("u000274", "203.0.113.9", "dana@gmail.example.com"):
        assert secret not in out
    texts = svg_texts(out)
    assert any(t.startswith("user-") and " from ip-" in t for t in texts)
    assert any(t.startswith("then email-") for t in texts)
    assert "requests per second" in " ".join(texts)  # untouched labels stay outlines
    assert out.count("<text ") == 2  # the two changed lines, drawn as text
