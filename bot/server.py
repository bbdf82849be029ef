"""Running the app: uvicorn over HTTP, or Socket Mode for development behind a firewall."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from bot.app import (
    create_asgi_app,
    create_bolt_app,
    create_socket_mode_handler,
    running,
    track_listener_tasks,
)
from bot.inflight import InflightWork
from bot.services import Services, build_services
from bot.settings import Settings

log = logging.getLogger("triagebot")

# Seconds uvicorn waits for in-flight requests on SIGTERM before closing connections.
GRACEFUL_SHUTDOWN_SECONDS = 25


def uvicorn_config(settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    services = build_services(settings)
    asgi = create_asgi_app(settings, services)
    return uvicorn.Config(
        asgi,
        host=host,
        port=port,
        log_config=None,  # our root handler (with secret redaction) formats everything
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def serve_http(settings: Settings, *, host: str, port: int) -> int:
    log.info("serving Slack requests on http://%s:%d/slack/events (health: /healthz)", host, port)
    server = uvicorn.Server(uvicorn_config(settings, host=host, port=port))
    # After its graceful shutdown uvicorn re-raises the SIGTERM it caught, under the handler that was
    # installed before it started; with the default one the process would die "killed by SIGTERM"
    # (exit 143) although it stopped cleanly. A stop asked for is a success.
    previous = signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


@contextmanager
def serve_http_in_thread(
    settings: Settings, *, name: str = "triagebot-http"
) -> Iterator[tuple[str, Services]]:
    """The real app under uvicorn on a free loopback port in a daemon thread (the sandbox, tests)."""
    services = build_services(settings)
    config = uvicorn.Config(
        create_asgi_app(settings, services),
        host="127.0.0.1",
        port=0,
        log_config=None,
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the bot did not start (see its log)")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", services
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _exit_cleanly(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


async def serve_socket_mode(settings: Settings) -> int:
    services = build_services(settings)
    bolt = create_bolt_app(settings, services)
    inflight = InflightWork()
    track_listener_tasks(bolt, inflight)
    assert settings.slack_app_token is not None
    handler = create_socket_mode_handler(bolt, settings.slack_app_token.get_secret_value())
    main = asyncio.current_task()
    if main is not None:
        # asyncio.run leaves SIGTERM deadly; stop like on Ctrl-C so the lifecycle below drains.
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    async with running(settings, services, inflight):
        log.info("connecting to Slack in Socket Mode")
        try:
            await handler.start_async()
        except asyncio.CancelledError:
            pass
        finally:
            await handler.close_async()  # no new requests; the lifecycle drains what was acked
    return 0
