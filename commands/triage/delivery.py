"""Getting a triage's answer to the agent wherever they asked, and recording where it went.

Each way of asking has its routes, best first: the message's thread, then somewhere private to the
agent (the payload's response_url, or an ephemeral message). A result shown on a later route is a
`fallback`; one no route accepted is `undelivered` - never "nothing was changed", since the model
ran and the row exists. Shutdown cutting a triage short records it and tells the agent as well.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from bot.inflight import if_cut_short, start_background
from bot.registry.views import DeploymentView
from bot.routing import mirror_quietly
from bot.services import Services
from bot.triage import TriageOutcome
from bot.triage_views import DeliveryStatus
from commands.block_kit import BlockJson, as_dicts
from commands.errors import user_message
from commands.respond import ResponseUrlRefused, respond
from commands.triage import blocks as triage_blocks

log = logging.getLogger(__name__)

# Routes take blocks already serialised: a result is turned into Slack's JSON once (slack_sdk's
# validating to_dict is a visible share of a triage's CPU), however many routes it tries.
Route = Callable[[str, Sequence[BlockJson]], Awaitable[None]]

INVITE_HINT = (
    ":lock: I can't post in this conversation, so only you can see this. "
    "To get results in the thread, invite me: `/invite @triagebot`"
)
INTERRUPTED = (
    ":warning: The bot restarted before your triage finished, so there is no result for it. "
    "Please run it again."
)


def refused_text(triage_id: int) -> str:
    return (
        f":warning: Your triage #{triage_id} was produced but Slack refused to show it: "
        "see `/triage history` or App Home."
    )


@dataclass
class Destination:
    """Where one request's answer may go. `show` routes carry the answer; `notice` routes a short word."""

    name: str  # for the log
    show_routes: list[Route]
    notice_routes: list[Route]
    failed: set[Route] = field(default_factory=set, init=False)  # routes that refused this request

    async def show(self, text: str, blocks: Sequence[Block | BlockJson]) -> DeliveryStatus:
        serialised = as_dicts(blocks)
        for position, route in enumerate(self.show_routes):
            shown = serialised if position == 0 else [*serialised, _hint()]
            if await self._try(route, text, shown):
                return DeliveryStatus.DELIVERED if position == 0 else DeliveryStatus.FALLBACK
        return DeliveryStatus.UNDELIVERED

    async def notice(self, text: str) -> bool:
        """Best effort: the first private route that has not already refused."""
        for route in self.notice_routes:
            if route not in self.failed and await self._try(route, text, []):
                return True
        return False

    async def _try(self, route: Route, text: str, blocks: Sequence[BlockJson]) -> bool:
        try:
            await route(text, blocks)
        except Exception as exc:  # any refusal means: try the next route
            self.failed.add(route)
            reason = _reason(exc)
            log.warning("%s: a delivery route refused (%s); trying the next", self.name, reason)
            return False
        return True


def _reason(exc: Exception) -> str:
    """Why Slack refused, for the log; never the response_url itself (a credential for 30 minutes)."""
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error"))
    if isinstance(exc, ResponseUrlRefused):
        return str(exc)  # status and body only
    return type(exc).__name__


def _hint() -> BlockJson:
    return ContextBlock(elements=[MarkdownTextObject(text=INVITE_HINT)]).to_dict()


def thread_route(client: AsyncWebClient, channel: str, thread_ts: str) -> Route:
    async def post(text: str, blocks: Sequence[BlockJson]) -> None:
        await client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, text=text, blocks=list(blocks) or None
        )

    return post


def ephemeral_route(client: AsyncWebClient, channel: str, user: str) -> Route:
    async def post(text: str, blocks: Sequence[BlockJson]) -> None:
        await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=list(blocks) or None)

    return post


def response_url_route(response_url: str, *, replace_original: bool) -> Route:
    async def post(text: str, blocks: Sequence[BlockJson]) -> None:
        await respond(
            response_url,
            response_type="ephemeral",
            replace_original=replace_original,
            text=text,
            blocks=list(blocks) or None,
        )

    return post


def for_command(client: AsyncWebClient, response_url: str, channel: str, user: str) -> Destination:
    # Replaces the "Triaging…" message; when Slack refuses it, only an ephemeral word is left.
    url = response_url_route(response_url, replace_original=True)
    return Destination("/triage", [url], [url, ephemeral_route(client, channel, user)])


def for_shortcut(
    client: AsyncWebClient, response_url: str, channel: str, thread_ts: str, user: str
) -> Destination:
    url = response_url_route(response_url, replace_original=False)
    return Destination(
        "shortcut",
        [thread_route(client, channel, thread_ts), url],
        [url, ephemeral_route(client, channel, user)],
    )


def for_mention(client: AsyncWebClient, channel: str, thread_ts: str, user: str) -> Destination:
    # Mention events carry no response_url: an ephemeral message is the only private route.
    ephemeral = ephemeral_route(client, channel, user)
    return Destination("mention", [thread_route(client, channel, thread_ts), ephemeral], [ephemeral])


async def triage_and_deliver(
    services: Services,
    destination: Destination,
    text: str,
    deployment: DeploymentView,
    *,
    source: str,
    user_id: str | None,
    channel_id: str | None,
    sticky_key: str | None = None,
) -> None:
    """Run the model, show the answer (or its failure) by the best route, record where it went.

    `sticky_key`: the ticket's canary assignment key (a Slack message or thread); default its text."""
    who: dict[str, Any] = {"source": source, "user_id": user_id, "channel_id": channel_id}

    async def interrupted() -> None:
        await services.triage.record_interrupted(text, deployment, **who)
        await destination.notice(INTERRUPTED)

    if_cut_short(interrupted)
    with services.triage.load.serving():  # until the agent has the answer, not only the model's
        outcome, status = await _run_and_show(services, destination, text, deployment, sticky_key, who)
    if_cut_short(None)
    if status is DeliveryStatus.UNDELIVERED and outcome.result is not None:
        await destination.notice(refused_text(outcome.triage_id))
    # The agent has their answer: only now may a shadow candidate see the same input, in a task
    # of its own that nothing here waits for.
    if outcome.result is not None and outcome.shadowing:
        start_background(mirror_quietly(services.shadow_mirror, outcome.triage_id))


async def _run_and_show(
    services: Services,
    destination: Destination,
    text: str,
    deployment: DeploymentView,
    sticky_key: str | None,
    who: dict[str, Any],
) -> tuple[TriageOutcome, DeliveryStatus]:
    """The model's answer (or its failure) shown by the best route, and where it went recorded."""
    outcome = await services.triage.run(text, deployment, sticky_key=sticky_key, **who)

    async def cut_while_delivering() -> None:
        await services.triage.record_delivery(outcome.triage_id, DeliveryStatus.UNDELIVERED)
        await destination.notice(refused_text(outcome.triage_id))

    if_cut_short(cut_while_delivering)
    if outcome.result is not None:
        result = outcome.result
        status = await destination.show(triage_blocks.result_text(result), triage_blocks.result_blocks(result))
    else:
        assert outcome.error is not None
        message = user_message(outcome.error)
        # Blocks hide the top-level text, and a fallback route adds a block: say it in one too.
        status = await destination.show(message, [SectionBlock(text=MarkdownTextObject(text=message))])
    await services.triage.record_delivery(outcome.triage_id, status)
    return outcome, status
