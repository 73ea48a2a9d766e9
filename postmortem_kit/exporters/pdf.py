"""PDF reports: the HTML report printed by headless Chromium.

The report is already one offline, printable HTML page (its Content-Security-Policy
forbids script and any fetch); :func:`html_to_pdf` adds the page set-up (:func:`page_css`:
A4 or Letter, a running header with the title and severity, page numbers in the footer,
no table row, chart or figure split across pages) and prints it with the browser's own
``--print-to-pdf``: no DevTools driver, so the product needs nothing but a Chromium on the
machine (Debian's ``chromium``; ``POSTMORTEM_CHROMIUM`` names another). Charts stay vectors
when the report holds them as SVG (``save_figure`` writes an SVG twin of every PNG and the
report prefers it).

Examples
--------
>>> pdf = html_to_pdf(Postmortem(title="Cache outage").to_html(),  # doctest: +SKIP
...                   title="Cache outage", severity="P2", paper="letter")
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Literal

from postmortem_kit.errors import ToolError

Paper = Literal["a4", "letter"]
PAPERS: dict[str, str] = {"a4": "A4", "letter": "letter"}
#: Names tried on ``PATH``, in order, after ``POSTMORTEM_CHROMIUM``.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                  "chrome")
TIMEOUT = 120  # seconds: a long report prints in a few


def find_chromium() -> str:
    """The Chromium (or Chrome) to print with.

    Raises
    ------
    ToolError
        When ``POSTMORTEM_CHROMIUM`` names no program, or none of :data:`CHROMIUM_NAMES`
        is on ``PATH``.
    """
    named = os.environ.get("POSTMORTEM_CHROMIUM")
    if named:
        found = shutil.which(named)
        if found is None:
            raise ToolError(f"POSTMORTEM_CHROMIUM={named}: no such program; a PDF is printed "
                            "by headless Chromium")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise ToolError("no Chromium found to print the PDF (looked for "
                    f"{', '.join(CHROMIUM_NAMES)} on PATH): install it (Debian: apt-get "
                    "install chromium) or set POSTMORTEM_CHROMIUM to its path")


def _css_string(text: str) -> str:
    """``text`` as a CSS string: quotes and backslashes escaped, control characters and
    ``<`` (which could end the style element) as hex escapes."""
    out = []
    for char in " ".join(text.split()):
        if char in '"\\' or char == "<" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def page_css(title: str, severity: str | None = None, paper: Paper = "a4") -> str:
    """The print set-up of a report: paper size and margins, the running header (title
    left, severity right), ``Page n of m`` at the foot, and nothing split across pages
    that a reader needs whole."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}: expected one of {sorted(PAPERS)}")
    right = f"Severity {severity}" if severity else ""
    box = "font: 8.5pt 'DejaVu Sans', sans-serif; color: #59636e;"
    return f"""
@page {{
  size: {PAPERS[paper]};
  margin: 20mm 15mm 18mm 15mm;
  @top-left {{ content: {_css_string(title)}; {box} }}
  @top-right {{ content: {_css_string(right)}; {box} }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages); {box} }}
}}
@media print {{
  html, body {{ background: #fff; }}
  tr, figure, img, svg, .pmk-image, .pmk-chart, dl.pmk-fields dd, pre {{ break-inside: avoid; }}
  thead {{ display: table-header-group; }}
  h1, h2, h3 {{ break-after: avoid; }}
}}
"""


def with_page_css(html: str, css: str) -> str:
    """``html`` with ``css`` in a ``<style>`` at the end of its ``<head>`` (inline CSS is
    what the report's policy allows)."""
    style = f"<style>{css}</style>\n"
    at = html.lower().find("</head>")
    return html[:at] + style + html[at:] if at >= 0 else style + html


def html_to_pdf(html: str, *, title: str, severity: str | None = None,
                paper: Paper = "a4", chromium: str | None = None) -> bytes:
    """Print the report page ``html`` as PDF with headless Chromium.

    Parameters
    ----------
    html
        A whole report page (``Postmortem.to_html()``, the HTML export of a notebook).
    title, severity
        The running header of every page.
    paper
        ``"a4"`` or ``"letter"``.
    chromium
        The browser; default :func:`find_chromium`.

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    ToolError
        No Chromium, or it failed or made no PDF (its last error line is quoted).
    """
    css = page_css(title, severity, paper)
    browser = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="postmortem-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(with_page_css(html, css), encoding="utf-8")
        target = Path(tmp) / "report.pdf"
        command = [
            browser, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--disable-component-update", "--mute-audio",
            # Offline like the HTML: the page's policy forbids fetching, and should anything
            # try, it meets a closed local port and no name resolves.
            "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer", f"--print-to-pdf={target}", page.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.insert(1, "--no-sandbox")  # Chromium refuses to start as root without it
        try:
            done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False,
                                  stdin=subprocess.DEVNULL)
        except FileNotFoundError:
            raise ToolError(f"{browser}: no such program; a PDF is printed by headless "
                            "Chromium") from None
        except subprocess.TimeoutExpired:
            raise ToolError(f"{browser} did not print the PDF within {TIMEOUT} s") from None
        if not target.is_file() or target.stat().st_size == 0:
            lines = [ln for ln in done.stderr.decode("utf-8", "replace").splitlines()
                     if ln.strip()]
            last = lines[-1] if lines else f"exit status {done.returncode}"
            raise ToolError(f"{browser} made no PDF: {last}")
        return target.read_bytes()


_H1 = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.DOTALL | re.IGNORECASE)
_SEVERITY = re.compile(r'class="pmk-severity\b[^"]*">\s*([^<]+?)\s*<')
_TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL | re.IGNORECASE)


def header_of(html: str) -> tuple[str, str | None]:
    """The report's title (its first ``<h1>``, else ``<title>``) and severity, read from
    the page: what a notebook's report says, for the running header."""
    import html as html_lib

    def text(markup: str) -> str:
        return " ".join(html_lib.unescape(re.sub(r"<[^>]*>", "", markup)).split())

    title = next((text(m.group(1)) for m in _H1.finditer(html) if text(m.group(1))), "")
    if not title:
        found = _TITLE.search(html)
        title = text(found.group(1)) if found else "Postmortem"
    severity = _SEVERITY.search(html)
    return title, (text(severity.group(1)) if severity else None)
