"""The verdict buttons under a shadow disagreement: record it, then show the next one in its place."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.routing.views import ShadowVerdict
from commands.context import services_of
from commands.ids import Action, row_id
from commands.respond import respond
from commands.routing import blocks

VERDICTS = {
    Action.SHADOW_VERDICT_LIVE: ShadowVerdict.LIVE,
    Action.SHADOW_VERDICT_CANDIDATE: ShadowVerdict.CANDIDATE,
    Action.SHADOW_VERDICT_NEITHER: ShadowVerdict.NEITHER,
}


async def shadow_verdict(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict) -> None:
    await ack()
    services = services_of(context)
    pair_id = row_id(action.get("value"), hint="Run `/model shadow review` again.")
    reviews = services.shadow_reviews
    judged = await reviews.judge(pair_id, VERDICTS[Action(action["action_id"])], body["user"]["id"])
    following = await reviews.next_disagreement()
    await respond(
        body["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=blocks.judged_line(judged),
        blocks=blocks.review_blocks(following, judged=judged),
    )
