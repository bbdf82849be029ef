"""The OpenAI API's wire format, as far as the stand-in speaks it: request checks and response bodies.

Kept apart from the stand-in's behaviour so the exact shapes (which the SDK validates strictly)
are easy to compare with the API reference in one place.
"""

from __future__ import annotations

import datetime
import hashlib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

__all__ = [
    "ModelRecord",
    "chat_completion",
    "last_user_text",
    "message_text",
    "model_not_found",
    "model_object",
    "openai_error",
    "request_problem",
    "schema_problem",
    "succeeded_job",
]

_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


@dataclass(frozen=True)
class ModelRecord:
    id: str
    created: int
    owned_by: str
    shutdown_date: datetime.date | None
    parent: str | None = None  # vLLM: the base model a LoRA adapter is served on


def openai_error(
    status: int,
    message: str,
    *,
    type_: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """An error response in the exact envelope the SDK unpacks into ``APIStatusError`` fields."""
    error = {"message": message, "type": type_, "param": param, "code": code}
    return web.json_response({"error": error}, status=status, headers=headers)


def model_not_found(model: str) -> web.Response:
    message = f"The model '{model}' does not exist or you do not have access to it."
    return openai_error(404, message, code="model_not_found")


def message_text(message: dict[str, Any]) -> str:
    """Text of a chat message whose content is a string or a list of content parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def last_user_text(messages: Sequence[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def word_count(text: str) -> int:
    # A rough token estimate; nothing in the bot should depend on exact counts.
    return len(text.split())


def request_problem(body: dict[str, Any]) -> tuple[str, str | None] | None:
    """(message, param) of the 400 the real API would give for this chat body, or None if it is valid."""
    model, messages = body.get("model"), body.get("messages")
    if not isinstance(model, str) or not model:
        return "You must provide a model parameter.", "model"
    if not isinstance(messages, list) or not messages:
        return "Invalid value for 'messages': expected a non-empty array of messages.", "messages"
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            return f"Invalid value for 'messages[{i}]': each message needs a valid 'role'.", f"messages[{i}]"
        if not isinstance(message.get("content"), str | list):
            return (
                f"Invalid type for 'messages[{i}].content': expected a string or an array.",
                f"messages[{i}]",
            )
    response_format = body.get("response_format")
    if response_format is None:
        return None
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            return "Missing required parameter: 'response_format.json_schema.name'.", "response_format"
        if not isinstance(spec.get("schema", {}), dict) or not isinstance(spec.get("strict", False), bool):
            return "Invalid value for 'response_format.json_schema'.", "response_format"
        return None
    if kind == "json_object":
        # The real API refuses JSON mode unless the prompt asks for JSON; a bot prompt that
        # forgets to would fail in production, so it fails here too.
        if not any("json" in message_text(m).lower() for m in messages):
            return (
                "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
                "'json_object'.",
                "messages",
            )
        return None
    if kind == "text":
        return None
    return (
        "Invalid value for 'response_format.type': expected 'json_schema' or 'json_object'.",
        "response_format",
    )


# Keywords strict mode refuses for fine-tuned models (OpenAI's structured-outputs guide, "Supported
# schemas"); base models accept them. Object and array keywords no model accepts are listed too.
FINE_TUNED_UNSUPPORTED = frozenset(
    {
        "minLength",
        "maxLength",
        "pattern",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
    }
)
NEVER_SUPPORTED = frozenset(
    {
        "patternProperties",
        "unevaluatedProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "unevaluatedItems",
        "contains",
        "minContains",
        "maxContains",
        "uniqueItems",
    }
)


def _first_refused(schema: Any, refused: frozenset[str], context: tuple[str, ...]) -> tuple[str, str] | None:
    if isinstance(schema, list):
        for item in schema:
            found = _first_refused(item, refused, context)
            if found:
                return found
        return None
    if not isinstance(schema, dict):
        return None
    for key, value in schema.items():
        if key in refused:
            return repr(context), key
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            for name, sub in value.items():
                found = _first_refused(sub, refused, (*context, key, name))
                if found:
                    return found
        elif key in ("items", "anyOf"):
            found = _first_refused(value, refused, (*context, key))
            if found:
                return found
    return None


def schema_problem(model: str, response_format: dict[str, Any]) -> web.Response | None:
    """The 400 OpenAI gives a strict schema this model cannot take, in its exact shape, or None."""
    if response_format.get("type") != "json_schema":
        return None
    spec = response_format.get("json_schema") or {}
    if not spec.get("strict"):
        return None
    refused = NEVER_SUPPORTED | (FINE_TUNED_UNSUPPORTED if model.startswith("ft:") else frozenset())
    found = _first_refused(spec.get("schema") or {}, refused, ())
    if found is None:
        return None
    context, keyword = found
    message = (
        f"Invalid schema for response_format '{spec.get('name')}': In context={context}, "
        f"'{keyword}' is not permitted."
    )
    return openai_error(400, message, param="response_format", code="invalid_json_schema")


def model_object(model: ModelRecord) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": model.id,
        "object": "model",
        "created": model.created,
        "owned_by": model.owned_by,
    }
    if model.shutdown_date is not None:
        obj["shutdown_date"] = model.shutdown_date.isoformat()
    return obj


def vllm_model_object(model: ModelRecord) -> dict[str, Any]:
    """vLLM's ModelCard: `root` is where the weights came from, `parent` the base a LoRA adapter
    runs on (None for a base model). vLLM knows nothing of shutdown dates."""
    return {
        "id": model.id,
        "object": "model",
        "created": model.created,
        "owned_by": "vllm",
        "root": f"/adapters/{model.id}" if model.parent else model.id,
        "parent": model.parent,
        "max_model_len": 8192,
        "permission": [],
    }


def litellm_model_object(model: ModelRecord) -> dict[str, Any]:
    """A LiteLLM proxy's /v1/models entry: the bare minimum, no dates and no lineage."""
    return {"id": model.id, "object": "model", "created": 1677610602, "owned_by": "openai"}


def fastapi_not_found() -> web.Response:
    # vLLM's server is FastAPI: an unknown route is a bare {"detail": ...}, not an OpenAI error.
    return web.json_response({"detail": "Not Found"}, status=404)


def litellm_not_supported(status: int) -> web.Response:
    message = (
        "litellm.NotImplementedError: LiteLLM doesn't support fine_tuning.jobs.list for this provider. "
        "Received Exception - not supported"
    )
    return web.json_response(
        {"error": {"message": message, "type": "None", "param": "None", "code": str(status)}}, status=status
    )


def succeeded_job(model_id: str, base: str, finished_at: int) -> dict[str, Any]:
    digest = hashlib.sha256(model_id.encode()).hexdigest()
    hyperparameters = {"batch_size": 4, "learning_rate_multiplier": 1.8, "n_epochs": 3}
    return {
        "id": f"ftjob-{digest[:24]}",
        "object": "fine_tuning.job",
        "model": base,
        "fine_tuned_model": model_id,
        "status": "succeeded",
        "created_at": finished_at - 3600,
        "finished_at": finished_at,
        "estimated_finish": None,
        "error": None,
        "organization_id": "org-standin",
        "hyperparameters": hyperparameters,
        "method": {"type": "supervised", "supervised": {"hyperparameters": hyperparameters}},
        "training_file": f"file-{digest[24:48]}",
        "validation_file": None,
        "result_files": [f"file-{digest[48:64]}"],
        "trained_tokens": 120_000,
        "seed": 42,
        "integrations": [],
        "metadata": None,
    }


def chat_completion(model: str, content: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    prompt_tokens = sum(word_count(message_text(m)) for m in messages)
    completion_tokens = word_count(content)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:29]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None, "annotations": []},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
        "service_tier": "default",
        "system_fingerprint": "fp_standin",
    }
