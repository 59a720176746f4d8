"""A server answer sent a byte every half second, each within any read timeout (a review's hostile publisher)."""

from __future__ import annotations

import contextlib
import http.server
import time


def trickle(handler: http.server.BaseHTTPRequestHandler, seconds: float = 20.0) -> None:
    """Answer 200 announcing 1 000 bytes, then send one every 0.5 s for ``seconds`` (or until the client leaves)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    with contextlib.suppress(OSError):
        for _ in range(int(seconds / 0.5)):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(0.5)
