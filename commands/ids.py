"""Every slash command, shortcut callback, action, view and block ID the app uses, in one place.

Block Kit builders and listeners both import from here, and tests hold these against app.yaml.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from bot.errors import InvalidInput


class SlashCommand(StrEnum):
    TRIAGE = "/triage"
    DIGEST = "/digest"
    MODEL = "/model"


class Shortcut(StrEnum):
    """Message shortcuts (callback IDs declared in app.yaml)."""

    TRIAGE_MESSAGE = "triage_message"


class Event(StrEnum):
    """Events API subscriptions (bot events in app.yaml)."""

    APP_MENTION = "app_mention"
    APP_HOME_OPENED = "app_home_opened"


class Action(StrEnum):
    SHARE_TRIAGE = "share_triage"
    APPROVE_SWITCH = "approve_switch"
    REJECT_SWITCH = "reject_switch"
    REJECT_REASON = "reject_reason"
    REVIEW_CORRECT = "review_correct"
    REVIEW_WRONG = "review_wrong"
    ADD_TO_EVAL_SET = "add_to_eval_set"
    UPDATE_EVAL_CASE = "update_eval_case"
    ASK_SECOND_OPINION = "ask_second_opinion"
    SECOND_OPINION_CORRECT = "second_opinion_correct"
    SECOND_OPINION_WRONG = "second_opinion_wrong"
    REVIEW_URGENCY = "review_urgency"
    REVIEW_CATEGORY = "review_category"
    REVIEW_NOTE = "review_note"
    OVERRIDE_REASON = "override_reason"
    INCIDENT_ROLLBACK = "incident_rollback"
    INCIDENT_EXAMPLES = "incident_examples"
    INCIDENT_MUTE = "incident_mute"
    SHADOW_VERDICT_LIVE = "shadow_verdict_live"
    SHADOW_VERDICT_CANDIDATE = "shadow_verdict_candidate"
    SHADOW_VERDICT_NEITHER = "shadow_verdict_neither"


class View(StrEnum):
    """Modal callback IDs."""

    REJECT_SWITCH = "reject_switch_modal"

    REVIEW_WRONG = "review_wrong_modal"
    APPROVE_OVERRIDE = "approve_override_modal"


class Block(StrEnum):
    TRIAGE_ACTIONS = "triage_actions"
    SWITCH_ACTIONS = "switch_actions"
    REJECT_REASON = "reject_reason_block"
    REVIEW_ACTIONS = "review_actions"
    SECOND_OPINION_ACTIONS = "second_opinion_actions"
    REVIEW_URGENCY = "review_urgency_block"
    REVIEW_CATEGORY = "review_category_block"
    REVIEW_NOTE = "review_note_block"
    OVERRIDE_REASON = "override_reason_block"
    INCIDENT_ACTIONS = "incident_actions"
    SHADOW_REVIEW = "shadow_review_actions"


# Row IDs travel in button values and private_metadata, which anyone holding the signing secret
# (or a stale message) can fill with anything; 2**31 - 1 is the largest INTEGER on PostgreSQL.
MAX_ROW_ID = 2**31 - 1
OUT_OF_DATE = "That button is out of date."


def row_id(value: object, *, hint: str = "") -> int:
    """A database row ID from a button value or metadata field, or InvalidInput saying it is stale."""
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if text.isascii() and text.isdigit() and len(text) <= 10 and 1 <= int(text) <= MAX_ROW_ID:
        return int(text)
    raise InvalidInput(f"{OUT_OF_DATE} {hint}".strip())


def metadata_row_id(view: dict[str, Any], key: str, *, hint: str = "") -> int:
    """The row ID a modal carries in its private_metadata (JSON we wrote, unless someone forged it)."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except (ValueError, RecursionError):
        metadata = None
    return row_id(metadata.get(key) if isinstance(metadata, dict) else None, hint=hint)
