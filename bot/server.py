"""Running the app: uvicorn over HTTP (one process, or a parent supervising N workers that share the
listening socket), or Socket Mode for development behind a firewall."""

from __future__ import annotations

import asyncio
import ctypes
import gc
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn
from starlette.applications import Starlette
from uvicorn.supervisors import Multiprocess

from bot.app import (
    create_asgi_app,
    create_bolt_app,
    create_socket_mode_handler,
    running,
    track_listener_tasks,
)
from bot.inflight import InflightWork
from bot.logs import configure_logging
from bot.services import Services, build_services
from bot.settings import Settings, load_settings

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
    freeze_what_lives_forever()
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


def default_workers(settings: Settings) -> int:
    """WEB_CONCURRENCY when set, else one worker per core this process may run on (its CPU affinity,
    which a container's cpuset narrows; a CPU quota is not visible here: set WEB_CONCURRENCY)."""
    if settings.web_concurrency:
        return settings.web_concurrency
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def serve_http_workers(settings: Settings, *, host: str, port: int, workers: int) -> int:
    """`workers` processes serving one socket, under uvicorn's supervisor (this process).

    Each worker is a whole bot with the shared lifecycle (scheduler, outbox worker, drain): what must
    happen once across them is decided in the database (scheduled-run claims, outbox claims, replay
    and event keys, the rate-limit counters; SQLite in WAL with a busy timeout). The supervisor
    restarts a worker that dies; on SIGTERM it passes SIGTERM to every worker, waits while each
    drains its acknowledged work, and exits 0.
    """
    config = uvicorn.Config(
        "bot.server:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,  # each worker configures our logging itself (worker_app)
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    listening = config.bind_socket()
    log.info(
        "serving Slack requests on http://%s:%d/slack/events with %d worker processes (health: /healthz)",
        host,
        port,
        workers,
    )
    try:
        Multiprocess(config, sockets=[listening]).run()
    finally:
        listening.close()
    return 0


def worker_app() -> Starlette:
    """One worker of `serve_http_workers`, in a fresh (spawned) process: the settings the parent
    validated, read again from the same environment."""
    _stop_with_parent()
    settings = load_settings()
    configure_logging(settings.triage_log_format, settings.secrets(), level=logging.INFO)
    app = create_asgi_app(settings, build_services(settings))
    freeze_what_lives_forever()
    return app


def freeze_what_lives_forever() -> None:
    """Leave what a serving process has loaded (modules, the app, its services) out of the garbage
    collector's full passes. They traversed all of it: under load each stopped the event loop for
    90-180 ms, a request's whole ack budget (8 such pauses in one benchmark run); after this, 12-26 ms.
    Collected first, so no garbage is kept for good. Only the serving entry points call it: a test
    process that starts many apps would keep each one's objects."""
    gc.collect()
    gc.freeze()


# linux/prctl.h: deliver a signal to this process when its parent dies.
_PR_SET_PDEATHSIG = 1


def _stop_with_parent() -> None:
    """A supervisor killed outright (kill -9, OOM) must not leave its workers serving unsupervised on
    the port: they get SIGTERM, drain what they acknowledged, and exit. Linux only; elsewhere a no-op."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return


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
    freeze_what_lives_forever()
    async with running(settings, services, inflight):
        log.info("connecting to Slack in Socket Mode")
        try:
            await handler.start_async()
        except asyncio.CancelledError:
            pass
        finally:
            await handler.close_async()  # no new requests; the lifecycle drains what was acked
    return 0
