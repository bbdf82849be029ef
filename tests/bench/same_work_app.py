"""The fair peer: a minimal app doing the same work per `/triage` as triagebot, and nothing else.

Bolt AsyncApp + AsyncOpenAI + one aiohttp post to the response_url, the same system prompt and answer
schema (from `bot.triage`), served by the same stack (uvicorn + Bolt's Starlette adapter); no database,
no logging, no rate limit, no request log. Its CPU per triage is what the work itself costs on this
machine, so ours against it measures what our framework, storage and bookkeeping add.

The model call is the cheapest straightforward one: the strict response_format built once at start
(`bot.model_client.json_schema_format`: the schema cut to what the API accepts) and the body posted as
plain JSON, as `bot.model_client` does, so the peer is a hard bar rather than one slowed by the SDK's
per-call `parse()` schema work.

Run as `python -m tests.bench.same_work_app --port N` so it gets a process (and a GIL) of its own.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.model_client import json_schema_format
from bot.settings import DEFAULT_CATEGORIES
from bot.triage import answer_model, system_prompt
from tests.bench.bare_app import serve_peer


def result_blocks(answer: Any) -> list[dict[str, Any]]:
    """The answer as Block Kit; model text stays plain_text, like the real app's."""
    return [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*{answer.urgency}* urgency · category `{answer.category}`"},
        },
        {
            "type": "section",
            "fields": [
                {"type": "plain_text", "text": answer.summary[:2000], "emoji": False},
                {"type": "plain_text", "text": answer.next_step[:2000], "emoji": False},
            ],
        },
    ]


def create_app() -> Starlette:
    configured = os.environ.get("TRIAGE_CATEGORIES")
    categories = tuple(c.strip() for c in configured.split(",")) if configured else tuple(DEFAULT_CATEGORIES)
    schema = answer_model(categories)
    prompt = system_prompt(categories)
    # The strict schema cut to what the API accepts (OpenAI refuses e.g. minLength), built once.
    response_format = json_schema_format(schema)
    model = os.environ["TRIAGE_DEFAULT_MODEL"]
    openai = AsyncOpenAI(api_key=os.environ["OPENAI_API_KEY"], base_url=os.environ.get("OPENAI_BASE_URL"))
    bolt = AsyncApp(
        client=AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    )
    http: dict[str, aiohttp.ClientSession] = {}  # one session, opened on first use (needs the loop)

    async def triage(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack(response_type="ephemeral", text=f"Triaging with `{model}`…")
        body = {
            "model": model,
            "messages": [
                {"role": "system", "content": prompt},
                {"role": "user", "content": command.get("text") or ""},
            ],
            "response_format": response_format,
        }
        completion = await openai.post("/chat/completions", body=body, cast_to=ChatCompletion)
        answer = schema.model_validate_json(completion.choices[0].message.content or "")
        if "session" not in http:
            http["session"] = aiohttp.ClientSession()
        message = {"response_type": "ephemeral", "text": answer.summary, "blocks": result_blocks(answer)}
        async with http["session"].post(command["response_url"], json=message) as response:
            await response.read()

    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    bolt.command("/triage")(triage)
    bolt.command("/model")(ack_only)
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        if "session" in http:
            await http["session"].close()

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    serve_peer(create_app())


if __name__ == "__main__":
    main()
