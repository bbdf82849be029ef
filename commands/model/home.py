"""The App Home tab: live model and its quality, pending requests (with their buttons for approvers),
recent deployments; rebuilt whenever it opens, and after a decision taken from it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot import shutdowns
from bot.registry import ModelStatus
from bot.registry.live_quality import LiveQuality
from bot.registry.views import DeploymentView, RequestView
from bot.routing.summary import RoutingSummary, routing_summary
from bot.services import Services
from bot.shutdowns import Countdown
from bot.triage_views import TriageView
from commands import render, text
from commands.context import services_of
from commands.ids import Block as BlockId
from commands.model import request_blocks, status_blocks
from commands.model.routing_blocks import routing_blocks
from commands.model.status import close_expired
from commands.render import utcnow
from commands.triage import history as triage_history

log = logging.getLogger(__name__)

RECENT_DEPLOYMENTS = 10
PENDING_SHOWN = 5  # each takes up to three blocks; a Home view holds 100


async def app_home_opened(event: dict[str, Any], client: AsyncWebClient, context: dict) -> None:
    if event.get("tab", "home") != "home":
        return
    await publish_home(client, services_of(context), event["user"])


async def publish_home(client: AsyncWebClient, services: Services, user: str) -> None:
    now = utcnow()
    await close_expired(client, services, now)
    status = await services.registry.status(now=now)
    quality = await services.registry.live_quality(status.live)
    recent = await services.registry.history(RECENT_DEPLOYMENTS)
    mine = await services.triage.recent(user, triage_history.RECENT_TRIAGES)
    approver = await services.registry.approvers.is_approver(user, now)
    links = {} if approver else await permalinks(client, status.pending[:PENDING_SHOWN])
    pending = PendingView(status.pending, user, approver, links)
    countdowns = await shutdowns.countdowns(services.db, now)  # stored readings: the Home must open fast
    routing = await routing_summary(services.db)
    await client.views_publish(
        user_id=user, view=home_view(status, recent, now, mine, quality, pending, countdowns, routing)
    )


class PendingView:
    """Pending requests as one viewer sees them: buttons for approvers (except on their own
    request), a link to the request message for everyone else."""

    def __init__(
        self, requests: Sequence[RequestView], viewer: str, approver: bool, links: dict[int, str]
    ) -> None:
        self.requests, self.viewer, self.approver, self.links = requests, viewer, approver, links

    def blocks(self) -> list[Block]:
        if not self.requests:
            return [ContextBlock(elements=[MarkdownTextObject(text=status_blocks.NO_PENDING)])]
        blocks: list[Block] = []
        for request in self.requests[:PENDING_SHOWN]:
            line = status_blocks.pending_line(request)
            decides = self.approver and request.requested_by != self.viewer
            link = self.links.get(request.id or 0)
            if not decides and link:
                line += f" · <{link}|open the request>"
            blocks.append(
                SectionBlock(text=MarkdownTextObject(text=text.truncate(line, text.SECTION_TEXT_MAX)))
            )
            if decides:
                block_id = f"{BlockId.SWITCH_ACTIONS}:{request.id}"  # unique within the view
                blocks.append(ActionsBlock(block_id=block_id, elements=request_blocks.buttons(request)))
        if len(self.requests) > PENDING_SHOWN:
            more = f"… and {len(self.requests) - PENDING_SHOWN} more: see `/model status`."
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
        return blocks


async def permalinks(client: AsyncWebClient, requests: Sequence[RequestView]) -> dict[int, str]:
    """Links to the request messages; a request whose link Slack refuses is listed without one."""
    links: dict[int, str] = {}
    for request in requests:
        if request.id is None or not request.channel_id or not request.message_ts:
            continue
        try:
            found = await client.chat_getPermalink(channel=request.channel_id, message_ts=request.message_ts)
        except SlackApiError as exc:
            log.info("no permalink for request #%s: %s", request.id, exc.response.get("error"))
            continue
        if isinstance(found.get("permalink"), str):
            links[request.id] = str(found["permalink"])
    return links


def home_view(
    status: ModelStatus,
    recent: Sequence[DeploymentView],
    now: datetime,
    my_triages: Sequence[TriageView] | None = None,
    quality: LiveQuality | None = None,
    pending: PendingView | None = None,
    countdowns: list[Countdown] | None = None,
    routing: RoutingSummary | None = None,
) -> View:
    blocks: list[Block] = [HeaderBlock(text="Live triage model")]
    blocks += status_blocks.live_blocks(status_blocks.with_effective_shutdown(status, countdowns), now)
    blocks += status_blocks.countdown_blocks(countdowns or [], now)
    if quality is not None:
        blocks += quality_blocks(quality)
    if routing is not None:
        blocks += routing_blocks(routing)
    blocks += [DividerBlock(), HeaderBlock(text="Pending requests")]
    blocks += pending.blocks() if pending else status_blocks.pending_blocks(status.pending, titled=False)
    blocks += [DividerBlock(), HeaderBlock(text="Recent deployments")]
    blocks += status_blocks.history_blocks(recent)[1:]
    if my_triages is not None:
        blocks += recent_triages_section(my_triages)
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="`/model switch <model-id>` asks for a switch · `/model rollback` undoes the last one · `/model help`"
                )
            ]
        )
    )
    return View(type="home", blocks=blocks[:100])


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def quality_blocks(quality: LiveQuality) -> list[Block]:
    run = quality.latest_eval
    if run is None:
        eval_line = "*Latest eval*\nnone yet: run `/model eval`"
    else:
        when = f" · {render.moment(run.finished_at)}" if run.finished_at else ""
        eval_line = f"*Latest eval*\n{percent(run.pass_rate)} passed ({run.passed}/{run.cases}) · run #{run.run_id}{when}"
    if quality.reviews:
        review_line = (
            f"*Review agreement*\n{percent(quality.agreement)} "
            f"({quality.agreed} of {quality.reviews} review{'s' if quality.reviews != 1 else ''} said Correct)"
        )
    else:
        review_line = "*Review agreement*\nno reviews yet"
    return [SectionBlock(fields=[MarkdownTextObject(text=eval_line), MarkdownTextObject(text=review_line)])]


def recent_triages_section(rows: Sequence[TriageView]) -> list[Block]:
    """The viewer's own last triages, the same as `/triage history`."""
    return [DividerBlock(), HeaderBlock(text="Your recent triages"), *triage_history.history_blocks(rows)]
