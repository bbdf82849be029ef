"""*Second opinion*: a reviewed triage put before another reviewer, in the channel, blind (the first
verdict is not shown). Their Correct / Wrong is stored beside the first verdict; the reviewer kappa
of the digest and the eval gate is computed from such pairs."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.quality.reviews import SecondOpinion
from commands import text
from commands.block_kit import as_dicts
from commands.context import services_of
from commands.ids import Action, row_id
from commands.ids import Block as BlockId
from commands.quality import blocks
from commands.quality.review import STALE_HINT, reviews
from commands.render import person
from commands.respond import respond as respond_to

EXCERPT_CHARS = 1500


def request_text(request: SecondOpinion) -> str:
    return f"Second opinion wanted on triage #{request.triage_id}: was the model right?"


def request_blocks(request: SecondOpinion) -> list[Block]:
    """The customer's words and the model's answer as plain text (neither can ping or format)."""
    labels = f"The model said: {request.urgency} urgency, category {request.category}."
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=f":eyes: {person(request.asked_by)} asks for a second opinion on triage "
                f"#{request.triage_id}. Someone who has not reviewed it: was the model right?"
            )
        ),
        SectionBlock(
            text=PlainTextObject(text=text.safe_plain(request.input_text, EXCERPT_CHARS), emoji=False)
        ),
        SectionBlock(text=PlainTextObject(text=text.safe_plain(labels, text.FIELD_TEXT_MAX), emoji=False)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Model {text.inline_code(request.model_id)}. The first verdict is hidden so this "
                    "one is independent; both are kept and measure how far reviewers agree."
                )
            ]
        ),
        ActionsBlock(
            block_id=BlockId.SECOND_OPINION_ACTIONS,
            elements=[
                ButtonElement(
                    text="Correct", action_id=Action.SECOND_OPINION_CORRECT, value=str(request.triage_id)
                ),
                ButtonElement(
                    text="Wrong", action_id=Action.SECOND_OPINION_WRONG, value=str(request.triage_id)
                ),
            ],
        ),
    ]


async def ask_second_opinion(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict
) -> None:
    """Posted in the channel through the response URL, which works where the bot is not a member."""
    await ack()
    check_id = row_id(action.get("value"), hint=STALE_HINT)
    request = await reviews(context).ask_second_opinion(check_id, body["user"]["id"])
    await respond_to(
        body["response_url"],
        response_type="in_channel",
        replace_original=False,
        text=request_text(request),
        blocks=as_dicts(request_blocks(request)),
    )


async def second_opinion_correct(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict
) -> None:
    await ack()
    triage_id = row_id(action.get("value"), hint=STALE_HINT)
    review = await reviews(context).confirm(triage_id, body["user"]["id"], second_opinion=True)
    await respond_to(
        body["response_url"],
        response_type="ephemeral",
        replace_original=False,
        text=blocks.review_confirmation_text(review),
    )


async def second_opinion_wrong(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    """Refused before the modal opens when the clicker already reviewed it (checked again on submit)."""
    await ack()
    triage_id = row_id(action.get("value"), hint=STALE_HINT)
    service = reviews(context)
    await service.check_second_reviewer(triage_id, body["user"]["id"])
    urgency, category = await service.triage_labels(triage_id)
    services = services_of(context)
    modal = blocks.review_modal(
        triage_id,
        urgency,
        category,
        services.settings.triage_categories,
        body.get("response_url"),
        second_opinion=True,
    )
    await client.views_open(trigger_id=body["trigger_id"], view=modal)
