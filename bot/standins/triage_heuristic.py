"""What the OpenAI stand-in "thinks": request validation and a deterministic keyword triager.

Deterministic on purpose: the same message always gets the same answer, so end-to-end tests can
assert on urgency/category without scripting every case, and sandbox mode behaves predictably.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = ["DEFAULT_CATEGORIES", "triage"]

DEFAULT_CATEGORIES: tuple[str, ...] = ("billing", "bug", "account", "feature_request", "outage", "other")
_SUMMARY_CHARS = 100

# Checked top to bottom; the first rule with a matching phrase wins, "medium" otherwise.
_URGENCY_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("critical", ("down", "outage", "data loss", "lost data", "security", "breach", "breached")),
    ("high", ("urgent", "asap", "cannot", "can't", "broken", "error", "errors")),
    ("low", ("thanks", "thank you", "question", "how do i", "how can i", "feature")),
)
_CATEGORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "billing": ("invoice", "invoices", "charge", "charged", "refund", "payment", "subscription", "receipt"),
    "bug": ("bug", "error", "errors", "broken", "crash", "crashes", "exception", "fails", "failing"),
    "account": ("login", "log in", "sign in", "password", "sso", "2fa", "locked out", "username"),
    "feature_request": ("feature", "would be nice", "could you add", "please add"),
    "outage": ("outage", "down", "unavailable", "not loading"),
}
_NEXT_STEPS: dict[str, str] = {
    "billing": "Forward to billing to review the customer's invoices and charges.",
    "bug": "Reproduce the problem and file a bug with the steps and error details.",
    "account": "Verify the customer's identity and help them regain access.",
    "feature_request": "Log the request on the product feedback board and thank the customer.",
    "outage": "Page the on-call engineer and post a status page update.",
}
_DEFAULT_NEXT_STEP = "Read the message and route it to the right team."


def _mentions(text: str, phrase: str) -> bool:
    # Whole words only: "download" must not count as "down".
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def _property(schema: dict[str, Any], name: str) -> dict[str, Any]:
    prop = (schema.get("properties") or {}).get(name) or {}
    ref = prop.get("$ref")
    # pydantic puts Enum-typed fields in $defs; follow the local reference once.
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        prop = (schema.get("$defs") or {}).get(ref.removeprefix("#/$defs/"), {})
    return prop if isinstance(prop, dict) else {}


def _choose_category(text: str, allowed: Sequence[str]) -> str:
    for category in allowed:
        phrases = (category.replace("_", " ").lower(), *_CATEGORY_KEYWORDS.get(category.lower(), ()))
        if any(_mentions(text, phrase) for phrase in phrases):
            return category
    if "other" in allowed or not allowed:
        return "other"
    return allowed[-1]


def triage(text: str, schema: dict[str, Any], categories: Iterable[str]) -> dict[str, Any]:
    """The default answer for ``text``: categories come from the schema's enum when it has one."""
    lowered = " ".join(text.replace("\u2019", "'").lower().split())
    urgency = next(
        (level for level, words in _URGENCY_RULES if any(_mentions(lowered, w) for w in words)), "medium"
    )
    urgency_enum = _property(schema, "urgency").get("enum")
    if isinstance(urgency_enum, list) and urgency_enum and urgency not in urgency_enum:
        urgency = urgency_enum[0]  # an unfamiliar scale: stay on-schema rather than guess a mapping
    category_enum = _property(schema, "category").get("enum")
    allowed = category_enum if isinstance(category_enum, list) and category_enum else list(categories)
    category = _choose_category(lowered, allowed)
    max_length = _property(schema, "summary").get("maxLength", _SUMMARY_CHARS)
    summary = " ".join(text.split())[: min(_SUMMARY_CHARS, int(max_length))].rstrip()
    next_step = _NEXT_STEPS.get(str(category).lower(), _DEFAULT_NEXT_STEP)
    return {"urgency": urgency, "category": category, "summary": summary, "next_step": next_step}
