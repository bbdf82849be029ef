"""What a model ID may look like, and what its shutdown date means for a switch to it."""

from __future__ import annotations

import re
from datetime import date, datetime

from bot.errors import InvalidInput

MAX_MODEL_ID_CHARS = 256
# Loose on purpose: OpenAI `ft:` IDs, Hugging Face paths (`org/name`), Azure deployment names and
# provider paths (`accounts/x/models/y`) must all pass. Spaces, backticks and quotes never do.
MODEL_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+=\-]*")
SHUTDOWN_WARNING_DAYS = 30


def validate_model_id(model_id: str) -> str:
    if not model_id:
        raise InvalidInput(
            "Name the model to switch to: `/model switch <model-id> [on <endpoint>] [reason…]`."
        )
    if len(model_id) > MAX_MODEL_ID_CHARS:
        raise InvalidInput(
            f"That model ID is {len(model_id)} characters long; model IDs have at most {MAX_MODEL_ID_CHARS}."
        )
    if not MODEL_ID_PATTERN.fullmatch(model_id):
        raise InvalidInput(
            "That does not look like a model ID: use letters, digits and `. _ : / @ + = -` only, "
            "with no spaces or backticks (for example `ft:gpt-4o-mini-2024-07-18:acme::abc123`)."
        )
    return model_id


def days_left(shutdown: date, now: datetime) -> int:
    return (shutdown - now.date()).days


def is_shut_down(shutdown: date | None, now: datetime) -> bool:
    # A model stops answering on its shutdown date, so that day already counts as too late.
    return shutdown is not None and days_left(shutdown, now) <= 0


def shuts_down_soon(shutdown: date | None, now: datetime) -> bool:
    return shutdown is not None and 0 < days_left(shutdown, now) <= SHUTDOWN_WARNING_DAYS


def refuse_if_shut_down(model_id: str, shutdown: date | None, now: datetime) -> None:
    if shutdown is not None and is_shut_down(shutdown, now):
        raise InvalidInput(
            f"Model `{model_id}` reached its shutdown date on {shutdown.isoformat()} and no longer answers. "
            "Pick a model that is still served."
        )


def parse_shutdown(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
