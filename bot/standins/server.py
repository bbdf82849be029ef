"""Serve an aiohttp stand-in on a private event loop in a daemon thread.

The stand-ins are driven by code that owns its own event loop (pytest-asyncio, the bot in sandbox
mode), and tests often block that loop on purpose (``SlackStandIn.wait_for``). Running the fake
server on a separate loop in a separate thread keeps it answering no matter what the caller does.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web

__all__ = ["ServedStandIn", "run_in_thread"]

# Startup is a local socket bind; if it takes longer than this something is badly wrong.
_STARTUP_TIMEOUT = 10.0


@contextmanager
def run_in_thread(
    app: web.Application,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    shutdown_timeout: float = 1.0,
) -> Iterator[str]:
    """Run ``app`` in a daemon thread and yield its base URL, e.g. ``"http://127.0.0.1:54321"``.

    ``port=0`` lets the OS pick a free port, so parallel test runs never collide.
    ``shutdown_timeout`` bounds how long exit waits for in-flight requests: stand-ins deliberately
    hang requests (timeout faults), and a test must not wait 30 s for one of those on teardown.
    """
    loop = asyncio.new_event_loop()
    # handler_cancellation: when a client gives up (its timeout fired), cancel the handler instead
    # of letting a simulated hang keep a task alive until shutdown.
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,
        handler_cancellation=True,
        shutdown_timeout=shutdown_timeout,
    )
    ready = threading.Event()
    startup_error: list[BaseException] = []
    bound: list[str] = []

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        actual_host, actual_port = runner.addresses[0][:2]
        shown_host = f"[{actual_host}]" if ":" in actual_host else actual_host
        bound.append(f"http://{shown_host}:{actual_port}")

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # handed to the caller's thread, which re-raises it
            startup_error.append(exc)
            ready.set()
            loop.run_until_complete(runner.cleanup())
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            _cancel_leftover_tasks(loop)
            loop.close()

    thread = threading.Thread(target=serve, name=f"standin-{id(app):x}", daemon=True)
    thread.start()
    if not ready.wait(_STARTUP_TIMEOUT):
        raise RuntimeError("stand-in server did not start in time")
    if startup_error:
        raise startup_error[0]
    try:
        yield bound[0]
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=shutdown_timeout + 5.0)


def _cancel_leftover_tasks(loop: asyncio.AbstractEventLoop) -> None:
    # Anything still pending (a hang that outlived shutdown_timeout) would otherwise warn
    # "Task was destroyed but it is pending" when the loop closes.
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())


class ServedStandIn:
    """Base for stand-ins: owns an aiohttp ``app`` and knows its own URL while served.

    Some stand-in answers must contain absolute URLs to the stand-in itself (Slack response
    URLs handed out before any request arrives), so the stand-in has to learn where it is served.
    """

    app: web.Application
    base_url: str | None = None

    @contextmanager
    def serve(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Serve this stand-in in a background thread; yields (and remembers) its base URL."""
        with run_in_thread(self.app, host, port) as url:
            self.base_url = url
            try:
                yield url
            finally:
                self.base_url = None
