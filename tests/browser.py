"""Shared headless-Chromium helper for the browser tests (Playwright, sync API).

Pages are opened from ``file://`` URLs with every non-``file:``/``data:``
request aborted, which proves the page needs no network. JavaScript errors
(``pageerror``) and console errors are collected, as are the blocked requests
and any ``alert``/``confirm`` dialog (dialogs are dismissed).

Usage::

    page, errors, console = open_page(path)
    assert not errors
    screenshot(page, "/tmp/carte.png")

One browser is started lazily per process and closed at interpreter exit.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path
from typing import Any

CHROMIUM = os.environ.get("CPTS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]

_state: dict[str, Any] = {}
#: Per page (keyed by ``id(page)``): requests that were blocked and dialogs opened.
BLOCKED: dict[int, list[str]] = {}
DIALOGS: dict[int, list[str]] = {}


def _browser() -> Any:
    if "browser" not in _state:
        from playwright.sync_api import sync_playwright

        pw = sync_playwright().start()
        _state["pw"] = pw
        _state["browser"] = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        atexit.register(close_browser)
    return _state["browser"]


def close_browser() -> None:
    """Close the shared browser (registered with :mod:`atexit`)."""
    browser = _state.pop("browser", None)
    pw = _state.pop("pw", None)
    if browser is not None:
        browser.close()
    if pw is not None:
        pw.stop()


def open_page(
    path: str | Path, width: int = 1280, height: int = 860, wait_ms: int = 0
) -> tuple[Any, list[str], list[str]]:
    """Open a local HTML file in headless Chromium with the network blocked.

    Parameters
    ----------
    path
        Local HTML file.
    width, height
        Viewport size in CSS pixels.
    wait_ms
        Extra time after the page has settled, for pages whose own timers or
        animations a test waits for. A page has settled when the ``load``
        event has fired and two frames have been drawn after it: our pages
        build everything in their inline scripts and ``load`` handlers, so
        by then an error would have been reported (a fixed 300 ms wait did
        the same and cost 0.3 s per page); a Leaflet map's animated first
        fit is waited for too (:func:`settle`).

    Returns
    -------
    tuple
        ``(page, errors, console)``: the Playwright page, the uncaught
        JavaScript errors and the console messages of type ``error``.
        ``blocked_requests(page)`` and ``dialogs(page)`` give the aborted
        network requests and the dialogs that were opened.
    """
    context = _browser().new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    errors: list[str] = []
    console: list[str] = []
    blocked: list[str] = []
    opened: list[str] = []
    BLOCKED[id(page)] = blocked
    DIALOGS[id(page)] = opened

    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(("file:", "data:", "about:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    def on_dialog(dialog: Any) -> None:
        opened.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    context.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: console.append(msg.text) if msg.type == "error" else None)
    page.on("dialog", on_dialog)
    page.goto(Path(path).resolve().as_uri(), wait_until="load")
    settle(page)
    if wait_ms:
        page.wait_for_timeout(wait_ms)
    return page, errors, console


#: Resolves after two frames in a row where no Leaflet map animates a zoom or a pan (an animated ``fitBounds``)
#: and no marker-cluster group animates its clusters (at most about ten seconds of frames).
SETTLE_JS = """() => new Promise(done => {
  const busy = () => {
    const L = window.L;
    if (!L || !L.Map) return false;
    return Object.values(window).some(v => {
      if (v instanceof L.Map) {
        return Boolean(v._animatingZoom || (v._panAnim && v._panAnim._inProgress) || v._flyToFrame);
      }
      if (L.MarkerClusterGroup && v instanceof L.MarkerClusterGroup) return v._inZoomAnimation > 0;
      return false;
    });
  };
  let quiet = 0, frames = 0;
  const tick = () => requestAnimationFrame(() => {
    frames += 1;
    quiet = busy() ? 0 : quiet + 1;
    if (quiet >= 2 || frames > 600) { done(); } else { tick(); }
  });
  tick();
})"""


def settle(page: Any) -> None:
    """Return once the page is still: two frames drawn with no map or cluster animation running (``SETTLE_JS``).

    The work queued by the page's scripts and event handlers is then done: call it after an action whose effect
    a test reads (a click, a zoom, a hover) instead of waiting a fixed time.
    """
    page.evaluate(SETTLE_JS)


def blocked_requests(page: Any) -> list[str]:
    """Network requests the page attempted (and that were aborted)."""
    return BLOCKED.get(id(page), [])


def dialogs(page: Any) -> list[str]:
    """``alert``/``confirm``/``prompt`` dialogs the page opened."""
    return DIALOGS.get(id(page), [])


def screenshot(page: Any, path: str | Path, full_page: bool = False) -> Path:
    """Save a PNG screenshot of ``page`` and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path


def close_page(page: Any) -> None:
    """Close the page and its browser context."""
    BLOCKED.pop(id(page), None)
    DIALOGS.pop(id(page), None)
    page.context.close()
