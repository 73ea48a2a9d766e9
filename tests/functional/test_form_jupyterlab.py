"""PostmortemForm in a real JupyterLab, driven through Debian's Chromium with Playwright.

Starts JupyterLab on 127.0.0.1 in a temporary folder holding a one-cell notebook that shows
the form on ``postmortem.json``; types into fields, waits for the autosave, restarts the
kernel, runs the notebook again and reads the values back from the page and the file.
Every wait is bounded; nothing sleeps for a fixed time.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest

from postmortem_kit.document import Postmortem

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
REPO = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT = 90  # seconds; a cold JupyterLab start builds its page config
WIDGET_TIMEOUT_MS = 90_000  # a first kernel start plus importing pandas and ipywidgets

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CELL = """\
from postmortem_kit.widgets import PostmortemForm

form = PostmortemForm("postmortem.json", autosave_delay=0.5)
form"""


def wait_until(predicate: Callable[[], bool], timeout: float, what: str,
               state: Callable[[], object] | None = None) -> None:
    """Poll ``predicate`` until it holds; fail saying ``what`` was awaited (and ``state()``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    found = f"; found {state()!r}" if state else ""
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}{found}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


@pytest.fixture(scope="module")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run must install Debian's chromium")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict]:
    """A JupyterLab server in ``tmp_path/work``; yields its URL, token and folder."""
    work = tmp_path / "work"
    work.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(CELL)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, work / "form.ipynb")
    # The finished example, minus its impact line, so the form reads like a real one.
    example = Postmortem.load(REPO / "data" / "example-postmortem.json")
    example.overview.impact = ""
    example.save(work / "postmortem.json")

    # Settings, workspaces and runtime files in tmp: the user's JupyterLab is untouched and
    # no saved layout or news prompt gets in the way.
    settings = tmp_path / "lab-settings"
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    tracker = settings / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    # Without it JupyterLab 4 asks which kernel to start, even for a notebook that names one.
    (tracker / "tracker.jupyterlab-settings").write_text(
        json.dumps({"autoStartDefaultKernel": True}))
    env = {**os.environ,
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(settings),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "IPYTHONDIR": str(tmp_path / "ipython"),
           # the kernel imports the package under test from this checkout
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO),
                                                       os.environ.get("PYTHONPATH")]))}
    port, token = free_port(), secrets.token_hex(16)
    log = (tmp_path / "jupyterlab.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser",
         "--ServerApp.open_browser=False", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: server.poll() is not None or
                   _server_up(f"{base}/api/status?token={token}"),
                   SERVER_START_TIMEOUT, "JupyterLab to answer")
        if server.poll() is not None:
            pytest.fail("JupyterLab exited: "
                        + (tmp_path / "jupyterlab.log").read_text(errors="replace")[-2000:])
        yield {"base": base, "token": token, "work": work}
    finally:
        # Shut down through the API so kernels are stopped, then make sure the process is gone.
        try:
            request = urllib.request.Request(f"{base}/api/shutdown?token={token}",
                                             method="POST")
            urllib.request.urlopen(request, timeout=5).close()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


@pytest.fixture
def page(chromium_path: str):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is not installed: install the project's [test] extra")
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        # tall enough that the whole form fits in the notebook panel for the screenshot
        page = browser.new_page(viewport={"width": 1400, "height": 2600})
        page.set_default_timeout(60_000)
        yield page
        browser.close()


def menu(page, top: str, item: str) -> None:
    """Click ``top`` in the menu bar, then ``item`` in its menu."""
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel").filter(has_text=item).first.click()


def run_cell(page) -> None:
    """Run the notebook's cell and wait for the form (accepting a kernel dialog if one shows).

    The cell is clicked first: notebook commands act on the *current* notebook, which a
    freshly loaded page does not have until something in it gets focus.
    """
    # A run requested before the kernel is connected can be dropped: wait for it first.
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(
        timeout=WIDGET_TIMEOUT_MS)
    page.locator(".jp-Cell .jp-InputArea-editor").first.click()
    page.keyboard.press("Control+Enter")
    form_or_dialog = page.locator(".pmk-form, .jp-Dialog")
    form_or_dialog.first.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    if page.locator(".jp-Dialog").count():
        page.locator(".jp-Dialog-button.jp-mod-accept").click()
    page.locator(".pmk-form").wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)


def test_values_typed_in_the_form_survive_a_kernel_restart(lab, page):
    path = lab["work"] / "postmortem.json"

    def saved() -> Postmortem:
        return Postmortem.load(path)

    page.goto(f"{lab['base']}/lab/tree/form.ipynb?token={lab['token']}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=WIDGET_TIMEOUT_MS)
    run_cell(page)
    form = page.locator(".pmk-form")

    impact = "Checkout failed for a third of customers (typed in JupyterLab)"
    form.locator(".pmk-overview-impact textarea").fill(impact)
    start = form.locator(".pmk-overview-start input")
    start.fill("2026-03-14T14:02")
    start.press("Tab")  # the picker syncs on change, which leaving it fires
    form.locator(".jupyter-widget-Collapse-header",
                 has_text="Timeline").first.click()
    action = form.locator(".pmk-key-events .pmk-cell-action-taken input").first
    action.fill("Rollback prepared (typed in JupyterLab)")
    action.press("Tab")

    wait_until(lambda: saved().overview.impact == impact
               and saved().overview.start.isoformat() == "2026-03-14T13:02:00+00:00"
               and saved().key_events[0].action_taken.endswith("(typed in JupyterLab)"),
               30, "the autosave of the impact, the start (14:02 Berlin) and a key event",
               lambda: (saved().overview, saved().key_events[0].action_taken))

    menu(page, "Kernel", "Restart Kernel and Clear Outputs of All Cells")
    page.locator(".jp-Dialog-button.jp-mod-accept").click()
    form.wait_for(state="detached", timeout=WIDGET_TIMEOUT_MS)
    run_cell(page)

    # the page shows what was typed before the restart, as the file holds it
    assert form.locator(".pmk-overview-impact textarea").input_value() == impact
    assert form.locator(".pmk-overview-start input").input_value().startswith(
        "2026-03-14T14:02")
    assert "Europe/Berlin" in form.inner_text()
    assert saved().overview.impact == impact
    preview = form.locator(".jp-RenderedMarkdown").first
    preview.wait_for(timeout=30_000)
    assert "typed in JupyterLab" in preview.inner_text()

    form.locator(".jupyter-widget-Collapse-header",
                 has_text="Timeline").first.click()
    action = form.locator(".pmk-key-events .pmk-cell-action-taken input").first
    action.wait_for(state="visible")
    assert action.input_value() == "Rollback prepared (typed in JupyterLab)"

    ARTIFACTS.mkdir(exist_ok=True)
    form.screenshot(path=str(ARTIFACTS / "form.png"))
    assert (ARTIFACTS / "form.png").stat().st_size > 20_000
