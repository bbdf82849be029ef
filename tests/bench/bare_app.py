"""The baseline: a Bolt AsyncApp whose listeners only ack, served by the same stack as triagebot
(uvicorn + Bolt's Starlette adapter, signatures checked by Bolt), configured by the same variables.

Run as `python -m tests.bench.bare_app --port N` so it gets a process (and a GIL) of its own.
"""

from __future__ import annotations

import argparse
import os

import uvicorn
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def create_app() -> Starlette:
    bolt = AsyncApp(
        client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    )

    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    for command in ("/triage", "/model"):
        bolt.command(command)(ack_only)
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    )


def serve_peer(app: Starlette) -> None:
    """Serve a peer app the way `serve_process` starts it (`--host`, `--port`), quietly."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)


def main() -> None:
    serve_peer(create_app())


if __name__ == "__main__":
    main()
