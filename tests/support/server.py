"""Serve the real ASGI app with uvicorn on loopback, in a background thread; and tell when it is idle."""

from __future__ import annotations

import threading

import uvicorn

from bot.server import serve_http_in_thread as serve_app

__all__ = ["in_flight", "serve_app"]

LOOP_TURN_SECONDS = 5.0


def _server_serving(url: str) -> uvicorn.Server:
    """The uvicorn server of this process listening on `url`'s port. `serve_app` runs `Server.run` as
    its thread's target, and a Thread keeps its target while it runs."""
    port = int(url.rsplit(":", 1)[1])
    for thread in threading.enumerate():
        server = getattr(getattr(thread, "_target", None), "__self__", None)
        if isinstance(server, uvicorn.Server) and server.started:
            ports = {sock.getsockname()[1] for listener in server.servers for sock in listener.sockets}
            if port in ports:
                return server
    raise LookupError(f"no app served in this process on {url}")


def in_flight(url: str) -> int:
    """How many acknowledged listener tasks (and the work they started) the app at `url` still runs.

    Counted after the app's event loop has taken a turn: Bolt starts an acked listener in a task
    that registers itself on its first step, which may come after the HTTP answer went out; a
    callback queued now runs after that step, so a request already answered is never missed.
    """
    server = _server_serving(url)
    loop = server.servers[0].get_loop()
    turned = threading.Event()
    loop.call_soon_threadsafe(turned.set)
    if not turned.wait(LOOP_TURN_SECONDS):
        raise AssertionError(f"the app's event loop did not turn within {LOOP_TURN_SECONDS} s")
    return len(server.config.app.state.inflight)
