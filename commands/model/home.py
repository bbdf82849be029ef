"""The App Home tab: live model, pending requests and recent deployments, rebuilt whenever it opens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, DividerBlock, HeaderBlock, MarkdownTextObject
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot import shutdowns
from bot.registry import ModelStatus
from bot.services import Services
from bot.shutdowns import Countdown
from commands.model import status_blocks
from commands.model.render import utcnow
from commands.model.status import close_expired
from commands.triage import history as triage_history
from storage.models import Deployment, Triage

RECENT_DEPLOYMENTS = 10


async def app_home_opened(event: dict[str, Any], client: AsyncWebClient, context: dict) -> None:
    if event.get("tab", "home") != "home":
        return
    services: Services = context["services"]
    now = utcnow()
    await close_expired(client, services, now)
    status = await services.registry.status(now=now)
    recent = await services.registry.history(RECENT_DEPLOYMENTS)
    mine = await services.triage.recent(event["user"], triage_history.RECENT_TRIAGES)
    countdowns = await shutdowns.countdowns(services.db, now)  # stored readings: the Home must open fast
    await client.views_publish(user_id=event["user"], view=home_view(status, recent, now, mine, countdowns))


def home_view(
    status: ModelStatus,
    recent: list[Deployment],
    now: datetime,
    my_triages: list[Triage] | None = None,
    countdowns: list[Countdown] | None = None,
) -> View:
    blocks: list[Block] = [HeaderBlock(text="Live triage model")]
    blocks += status_blocks.live_blocks(status_blocks.with_effective_shutdown(status, countdowns), now)
    blocks += status_blocks.countdown_blocks(countdowns or [], now)
    blocks += [DividerBlock(), HeaderBlock(text="Pending requests")]
    blocks += status_blocks.pending_blocks(status.pending)
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


def recent_triages_section(rows: list[Triage]) -> list[Block]:
    """The viewer's own last triages, the same as `/triage history`."""
    return [DividerBlock(), HeaderBlock(text="Your recent triages"), *triage_history.history_blocks(rows)]
