"""How a model is asked for structured output: a strict JSON schema, or JSON mode where it has none.

Strict mode accepts only a subset of JSON Schema, and fine-tuned models accept less than base models
(OpenAI's structured-outputs guide: for fine-tuned models, `minLength`, `maxLength`, `pattern`,
`format`, `minimum`, `maximum`, `multipleOf`, `minItems`, `maxItems` and the like are unsupported).
So we send only the structural keywords every model accepts and check the rest ourselves: the
reply is validated with the full pydantic model, and a reply that breaks a dropped rule (an empty
summary) counts as off-schema, like any other.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)

ResponseMode = Literal["json_schema", "json_object"]
MODE_LABELS: dict[str, str] = {"json_schema": "strict schema", "json_object": "JSON mode"}
# A refusal may come from a passing misconfiguration or a server upgraded since: try strict again
# after this long (a restart forgets the refusal too, the memory is per process).
FALLBACK_TTL_SECONDS = 24 * 3600

# Keywords strict mode documents for every model (base and fine-tuned alike). Everything else is
# dropped from what we send and enforced by pydantic on the reply.
_STRICT_KEYWORDS = frozenset(
    {
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "$ref",
        "$defs",
        "definitions",
        "description",
        "title",
    }
)


def strict_subset(schema: Any) -> Any:
    """The schema with every keyword strict mode may reject removed, at every depth."""
    if isinstance(schema, list):
        return [strict_subset(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kept: dict[str, Any] = {}
    for key, value in schema.items():
        if key not in _STRICT_KEYWORDS:
            continue
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            # Keys here are property or definition names, not keywords: keep them all.
            kept[key] = {name: strict_subset(sub) for name, sub in value.items()}
        elif key in ("items", "anyOf"):
            kept[key] = strict_subset(value)
        else:
            kept[key] = value
    return kept


def is_unsupported_schema(code: str | None, param: str | None, message: str) -> bool:
    """True only for the 400 that means "this model cannot take this schema / strict mode".

    OpenAI answers an unsupported schema with code `invalid_json_schema` on param `response_format`,
    and a model without structured outputs with "… 'response_format' of type 'json_schema' is not
    supported with this model". Other 400s that merely mention response_format (JSON mode's
    "must contain the word 'json'", a malformed body) are bugs to surface, not reasons to give up
    strict mode.
    """
    if code == "invalid_json_schema":
        return True
    message = message.lower()
    about_schema = param == "response_format" or "json_schema" in message
    return about_schema and "json_schema" in message and "not supported" in message


@dataclass(frozen=True)
class Fallback:
    since: float  # monotonic clock
    until: float


class ResponseModes:
    """Per endpoint/model memory of strict-schema refusals, expiring after `ttl_seconds`."""

    def __init__(
        self, ttl_seconds: float = FALLBACK_TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.clock = clock
        self._fallbacks: dict[tuple[str, str], Fallback] = {}

    def mode(self, endpoint: str, model_id: str) -> ResponseMode:
        fallback = self._fallbacks.get((endpoint, model_id))
        if fallback is None:
            return "json_schema"
        if self.clock() >= fallback.until:
            del self._fallbacks[(endpoint, model_id)]
            log.info("retrying strict schema for model %s on endpoint %s", model_id, endpoint)
            return "json_schema"
        return "json_object"

    def label(self, endpoint: str, model_id: str) -> str:
        return MODE_LABELS[self.mode(endpoint, model_id)]

    def fall_back(self, endpoint: str, model_id: str) -> None:
        now = self.clock()
        self._fallbacks[(endpoint, model_id)] = Fallback(now, now + self.ttl_seconds)
