from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.cron import cron_trigger
from bot.digest.build import build_digest, digest_period
from bot.errors import InvalidInput
from bot.services import Services
from commands.context import services_of
from commands.digest import blocks
from commands.respond import respond

MAX_DAYS = 366


def _period(arg: str, services: Services, now: datetime) -> tuple[datetime, datetime]:
    arg = arg.strip().lower().removesuffix("d").removesuffix(" days").strip()
    if not arg:
        settings = services.settings
        return digest_period(cron_trigger(settings.triage_digest_cron, settings.triage_timezone), now)
    if not arg.isdigit() or not 1 <= int(arg) <= MAX_DAYS:
        raise InvalidInput(
            f"Use `/digest` for the period since the last scheduled digest, or `/digest 7` for the last "
            f"7 days (1 to {MAX_DAYS})."
        )
    return now - timedelta(days=int(arg)), now


async def digest_command(ack: AsyncAck, command: dict[str, Any], context: dict) -> None:
    """/digest [days]: the digest, privately, now. Built after the ack: it asks the endpoint too."""
    services = services_of(context)
    now = datetime.now(UTC)
    start, end = _period(command.get("text") or "", services, now)
    await ack(response_type="ephemeral", text=":hourglass_flowing_sand: Building the digest…")
    digest = await build_digest(
        services.db,
        services.models,
        start=start,
        end=end,
        now=now,
        prices=services.prices,
        categories=services.settings.triage_categories,
    )
    await respond(
        command["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=blocks.digest_fallback(digest),
        blocks=blocks.digest_blocks(digest),
    )
