"""Serve the real ASGI app with uvicorn on loopback, in a background thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from bot.app import create_asgi_app
from bot.services import Services, build_services
from bot.settings import Settings


@contextmanager
def serve_app(settings: Settings) -> Iterator[tuple[str, Services]]:
    services = build_services(settings)
    asgi = create_asgi_app(settings, services)
    config = uvicorn.Config(asgi, host="127.0.0.1", port=0, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="app-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the app did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", services
    finally:
        server.should_exit = True
        thread.join(timeout=10)
