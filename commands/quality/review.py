"""Reviewer clicks on triage results: Correct, Wrong (a modal), and Add to eval set."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import InvalidInput
from bot.quality.reviews import AddedCase, ReviewService
from commands import text
from commands.context import services_of
from commands.ids import Action, Block, row_id
from commands.quality import blocks
from commands.respond import is_slack_url
from commands.respond import respond as respond_to

log = logging.getLogger(__name__)


def reviews(context: dict) -> ReviewService:
    return services_of(context).reviews


STALE_HINT = "Run `/triage` again."


def _id_of(action: dict[str, Any]) -> int:
    return row_id(action.get("value"), hint=STALE_HINT)


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The modal's private_metadata (written by review_modal; anything else is a forgery or a bug)."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, RecursionError):
        return {}
    return metadata if isinstance(metadata, dict) else {}


async def review_correct(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict) -> None:
    await ack()
    review = await reviews(context).confirm(_id_of(action), body["user"]["id"])
    await respond_to(
        body["response_url"],
        response_type="ephemeral",
        replace_original=False,
        text=blocks.review_confirmation_text(review),
        blocks=blocks.review_confirmation(review),
    )


async def review_wrong(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    """Open the modal first: the trigger_id is only good for three seconds."""
    await ack()
    triage_id = _id_of(action)
    urgency, category = await reviews(context).triage_labels(triage_id)
    services = services_of(context)
    modal = blocks.review_modal(
        triage_id, urgency, category, services.settings.triage_categories, body.get("response_url")
    )
    await client.views_open(trigger_id=body["trigger_id"], view=modal)


def _selected(values: dict[str, Any], block: str, action: str) -> str:
    field = values.get(block, {}).get(action, {})
    option = field.get("selected_option") or {}
    return str(option.get("value") or field.get("value") or "")


async def review_wrong_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    metadata = _metadata(view)
    values = (view.get("state") or {}).get("values") or {}
    try:
        review = await reviews(context).correct(
            row_id(metadata.get("triage_id"), hint=STALE_HINT),
            body["user"]["id"],
            _selected(values, Block.REVIEW_URGENCY, Action.REVIEW_URGENCY),
            _selected(values, Block.REVIEW_CATEGORY, Action.REVIEW_CATEGORY),
            _selected(values, Block.REVIEW_NOTE, Action.REVIEW_NOTE),
            second_opinion=metadata.get("second_opinion") is True,
        )
    except InvalidInput as exc:
        # A modal shows errors next to the field; anything else would close it and lose the input.
        await ack(response_action="errors", errors={Block.REVIEW_URGENCY.value: exc.user_message})
        return
    await ack()
    said, shown = blocks.review_confirmation_text(review), blocks.review_confirmation(review)
    url = metadata.get("response_url")
    if isinstance(url, str) and is_slack_url(url):
        await respond_to(url, response_type="ephemeral", replace_original=False, text=said, blocks=shown)
    else:
        await client.chat_postMessage(channel=body["user"]["id"], text=said, blocks=shown)


async def add_to_eval_set(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict) -> None:
    await ack()
    check_id = _id_of(action)
    added = await reviews(context).add_to_eval_set(check_id)
    if added.differs:
        # The case predates this correction: offer to update it rather than leave it wrong.
        await respond_to(
            body["response_url"],
            response_type="ephemeral",
            replace_original=True,
            text=differs_text(added),
            blocks=differs_blocks(added, check_id),
        )
        return
    await respond_to(
        body["response_url"], response_type="ephemeral", replace_original=True, text=blocks.added_text(added)
    )


def _labels(labels: tuple[str, str] | None) -> str:
    urgency, category = labels or ("?", "?")
    return f"*{text.escape_mrkdwn(urgency)}*, {text.inline_code(category)}"


def differs_text(added: AddedCase) -> str:
    return (
        f"Already in the eval set as case #{added.case_id}, which expects {_labels(added.expected)}; "
        f"this review says {_labels(added.reviewed)}."
    )


def differs_blocks(added: AddedCase, check_id: int) -> list[SectionBlock | ActionsBlock]:
    return [
        SectionBlock(text=MarkdownTextObject(text=differs_text(added))),
        ActionsBlock(
            block_id=Block.REVIEW_ACTIONS,
            elements=[
                ButtonElement(
                    text=f"Update case #{added.case_id}",
                    action_id=Action.UPDATE_EVAL_CASE,
                    value=f"{check_id}:{added.case_id}",
                    style="primary",
                )
            ],
        ),
    ]


async def update_eval_case(
    ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], context: dict
) -> None:
    """The golden case takes the labels of the review it was offered from (recorded as an edit)."""
    await ack()
    check_part, _, case_part = str(action.get("value") or "").partition(":")
    check_id, case_id = row_id(check_part, hint=STALE_HINT), row_id(case_part, hint=STALE_HINT)
    updated = await reviews(context).update_case_from_review(check_id, case_id, body["user"]["id"])
    await respond_to(
        body["response_url"],
        response_type="ephemeral",
        replace_original=True,
        text=f":pencil2: Updated golden case #{updated.case_id}: it expected {_labels(updated.before)}, "
        f"now {_labels(updated.after)}. The change is recorded with before and after.",
    )
