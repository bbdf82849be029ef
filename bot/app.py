"""The app factory: Bolt's AsyncApp wired to our services, served over ASGI with a health check."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.listener.async_listener_start_handler import AsyncListenerStartHandler
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message

import commands
from bot.deployments import ensure_initial_deployment
from bot.digest.publish import DigestPublisher
from bot.inflight import InflightWork, drain_seconds
from bot.outbox.seen import SeenDeliveries, signature_key
from bot.outbox.worker import OutboxWorker
from bot.request_shape import malformed_reason
from bot.schedule.deps import JobDeps
from bot.schedule.scheduler import start_scheduler
from bot.services import Services
from bot.settings import Settings
from bot.signature_log import RateLimitedWarnings, refusal_reason
from commands import respond
from commands.model import usergroup_members
from commands.model.decision_effects import request_update
from storage import crud

log = logging.getLogger(__name__)

# Slack rejects bodies this large long before we could use them; refuse early, before parsing.
MAX_BODY_BYTES = 1_000_000


def inflight_drain_seconds(settings: Settings) -> float:
    """On shutdown, how long acknowledged work may take: the model's whole time budget, plus a margin."""
    return drain_seconds(settings.triage_model_timeout, settings.triage_model_max_retries)


def create_digest_publisher(settings: Settings) -> DigestPublisher:
    """Scheduled and `triagebot digest --post` digests go out through the bot's own Slack client."""
    from commands.digest.publisher import SlackDigestPublisher

    return SlackDigestPublisher(slack_client(settings))


def scheduled_jobs(settings: Settings, services: Services) -> JobDeps:
    """The scheduler's dependencies: the services, the digest poster and the jobs' Slack renderers."""
    from commands.job_renderers import SLACK_JOB_RENDERERS

    return services.job_deps(create_digest_publisher(settings), SLACK_JOB_RENDERERS)


def slack_client(settings: Settings) -> AsyncWebClient:
    """slack_sdk's retry handlers are off by default; rate limits and 5xx are normal on Slack's side."""
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None,
        base_url=settings.slack_api_url,
        retry_handlers=respond.retry_handlers(),
    )


def start_outbox_worker(settings: Settings, services: Services) -> OutboxWorker:
    """Every process sends queued decision effects (HTTP and Socket Mode alike), so a restart of
    any one of them picks up what a crashed one left behind."""
    from commands.outbox_sender import outbox_client, slack_sender

    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = outbox_client(token, settings.slack_api_url)
    worker = OutboxWorker(services.db, slack_sender(client), services.registry.outbox)
    worker.start()
    return worker


# Bolt reads SLACK_BOT_TOKEN from the environment itself and then warns, at every start, that the
# client we give it wins over that token: true, intended, and noise in every `serve`.
BOLT_TOKEN_WARNING = "As you gave `client` as well, `token` will be unused."


class DropBoltTokenWarning(logging.Filter):
    """Drops exactly Bolt's token-vs-client warning; every other Bolt line passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != BOLT_TOKEN_WARNING


def bolt_logger() -> logging.Logger:
    logger = logging.getLogger("triagebot.bolt")
    if not any(isinstance(f, DropBoltTokenWarning) for f in logger.filters):
        logger.addFilter(DropBoltTokenWarning())
    return logger


def create_bolt_app(settings: Settings, services: Services) -> AsyncApp:
    app = AsyncApp(
        client=slack_client(settings),
        signing_secret=settings.slack_signing_secret.get_secret_value()
        if settings.slack_signing_secret
        else "",
        # Not Bolt's job here: HTTP requests reach Bolt only through `slack_events` below, which
        # verifies the signature (and the timestamp's age) before Bolt parses anything, and Socket
        # Mode has no signatures. Checking again would hash every request twice.
        request_verification_enabled=False,
        logger=bolt_logger(),
        name="triagebot",  # unnamed, Bolt reads inspect.stack() for one: ~0.2 s CPU per app in a test
    )
    commands.register(app, services)
    respond.trust_origin_of(settings.slack_api_url)  # response URLs on a stand-in's origin
    # Approvers in TRIAGE_APPROVER_GROUP are read from Slack, through this app's client.
    services.registry.approvers.lookup = usergroup_members(app.client)
    # A request a click finds expired or stale: its message update is queued with the closing.
    services.registry.closed_effects = request_update
    return app


class _TrackListenerTasks(AsyncListenerStartHandler):
    """Bolt runs each listener in its own task after the ack; register that task as in-flight work."""

    def __init__(self, inflight: InflightWork, inner: AsyncListenerStartHandler) -> None:
        self.inflight, self.inner = inflight, inner

    async def handle(self, request: AsyncBoltRequest, response: BoltResponse | None) -> None:
        self.inflight.track_current_task()
        await self.inner.handle(request=request, response=response)


def track_listener_tasks(bolt: AsyncApp, inflight: InflightWork) -> None:
    runner = bolt.listener_runner
    runner.listener_start_handler = _TrackListenerTasks(inflight, runner.listener_start_handler)


@asynccontextmanager
async def running(settings: Settings, services: Services, inflight: InflightWork) -> AsyncIterator[None]:
    """The one lifecycle of a serving process, HTTP and Socket Mode alike: the first deployment,
    the scheduler and the outbox worker started; on exit, the scheduler stopped, acknowledged work
    drained, then the outbox (the listeners may have queued effects), Slack sessions and the
    database closed. The caller stops taking new requests before leaving the block."""
    await ensure_initial_deployment(services.db, settings.triage_default_model)
    scheduler = start_scheduler(scheduled_jobs(settings, services))
    outbox = start_outbox_worker(settings, services)
    try:
        yield
    finally:
        await scheduler.shutdown()
        await inflight.drain(inflight_drain_seconds(settings))
        await outbox.stop()  # after the drain: the listeners may have queued effects
        await close_slack_sessions()
        await services.close()


def create_asgi_app(settings: Settings, services: Services) -> Starlette:
    bolt = create_bolt_app(settings, services)
    inflight = InflightWork()
    track_listener_tasks(bolt, inflight)
    handler = AsyncSlackRequestHandler(bolt)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    verifier = SignatureVerifier(secret)
    seen = SeenDeliveries(services.db)
    refusals = RateLimitedWarnings(log)

    async def slack_events(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            return JSONResponse({"error": "request body too large"}, status_code=413)
        body = await _read_at_most(request, MAX_BODY_BYTES)
        if body is None:  # chunked, so no content-length said so up front
            return JSONResponse({"error": "request body too large"}, status_code=413)
        # Bolt parses the body before it checks the signature, so a forged malformed body would
        # surface as a 500 there; check first, and answer 401 without reading anything further.
        refused = refusal_reason(verifier.is_valid, body, dict(request.headers), time.time())
        if refused is not None:
            refusals.warn("refused a Slack request with 401: %s", refused)
            return JSONResponse({"error": "invalid request signature"}, status_code=401)
        refusal = await _refuse_replay(seen, request.headers.get("x-slack-signature", ""))
        if refusal is not None:
            return refusal
        problem = malformed_reason(body, request.headers.get("content-type", ""))
        if problem is not None:
            log.warning("rejected a signed but malformed request body: %s", problem)
            return JSONResponse({"error": f"malformed request body: {problem}"}, status_code=400)
        try:
            # An agent's request being answered: background work (the shadow's mirrors) waits for a lull.
            with services.triage.load.serving():
                return await handler.handle(_with_body(request, body))
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            # Listener failures never get here (Bolt hands them to the error handler): this is Bolt
            # choking on a body shape malformed_reason() does not know about yet.
            log.warning("rejected a signed but malformed request body: %s", type(exc).__name__)
            return JSONResponse({"error": "malformed request body"}, status_code=400)

    async def healthz(_request: Request) -> Response:
        database = await services.db.ping()
        live = None
        if database:
            async with services.db.session() as session:
                deployment = await crud.get_live_deployment(session)
            live = {"endpoint": deployment.endpoint, "model_id": deployment.model_id} if deployment else None
        status = "ok" if database and live else "degraded"
        body = {"status": status, "database": database, "live_model": live}
        return JSONResponse(body, status_code=200 if database else 503)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # Uvicorn stops accepting and closes connections before this context exits.
        async with running(settings, services, inflight):
            yield

    asgi = Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    asgi.state.inflight = inflight
    return asgi


async def _refuse_replay(seen: SeenDeliveries, signature: str) -> Response | None:
    """A valid signature is accepted once: the same bytes sent again inside the replay window (by an
    attacker who captured them, or a proxy retrying) would run the command twice. Slack's own
    retries are signed afresh, so they pass here and are deduplicated on their event ID instead."""
    try:
        first = await seen.first_time([signature_key(signature)])
    except Exception as exc:  # the database is down: nothing could be done with the request anyway
        log.warning("could not check a request for replay (%s); refused it", type(exc).__name__)
        return JSONResponse({"error": "temporarily unavailable"}, status_code=503)
    if first:
        return None
    # Never log the signature itself: it is what a replay needs.
    log.warning("refused a replayed Slack request (its signature was already used)")
    return JSONResponse({"error": "replayed request"}, status_code=401)


def _with_body(request: Request, body: bytes) -> Request:
    """The same request with its body readable again (we consumed the stream to bound its size)."""

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, replay)


async def _read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past `limit` (without reading the rest into memory)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def close_slack_sessions() -> None:
    """Connection pools the listeners opened in this event loop (response_url posts)."""
    await respond.close_sessions()


def create_socket_mode_handler(bolt: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    return AsyncSocketModeHandler(bolt, app_token)
