"""The only module that talks to OpenAI-compatible endpoints (through the openai SDK).

A deployment is an endpoint plus a model ID, so every call names both. Failures are turned into
the typed ModelError family here, with messages that never carry a key or a raw server reply.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Literal

import aiohttp
import openai
from openai import AsyncOpenAI, DefaultAioHttpClient
from openai.lib._parsing._completions import type_to_response_format_param
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from bot import log_context
from bot.errors import (
    ModelAuthFailed,
    ModelError,
    ModelOffSchema,
    ModelRateLimited,
    ModelRefused,
    ModelServerError,
    ModelTimeout,
    ModelUnknown,
    ModelUnreachable,
    NotFound,
)
from bot.response_modes import ResponseModes, is_unsupported_schema, strict_subset
from bot.settings import Endpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StructuredReply:
    answer: BaseModel
    latency_ms: int
    prompt_tokens: int | None
    completion_tokens: int | None
    response_mode: str  # json_schema | json_object


@dataclass(frozen=True)
class ModelInfo:
    endpoint: str
    model_id: str
    owned_by: str | None
    shutdown_date: date | None


@dataclass(frozen=True)
class FineTunedModel:
    model_id: str
    base_model: str | None  # None when the endpoint does not say
    created_at: datetime


# Where a listing came from: OpenAI's fine-tuning jobs, or (servers without that API, such as vLLM
# or a LiteLLM proxy) the endpoint's model list.
FINE_TUNING_JOBS = "fine-tuning jobs"
MODEL_LIST = "model list"


@dataclass(frozen=True)
class FineTunedListing:
    models: list[FineTunedModel]
    source: str  # FINE_TUNING_JOBS | MODEL_LIST


def _parse_shutdown(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).date()
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class ModelClient:
    """Async clients per endpoint, created lazily and reused (one connection pool each)."""

    def __init__(
        self,
        endpoints: dict[str, Endpoint],
        *,
        timeout: float,
        max_retries: int,
        strict_validation: bool = False,
    ) -> None:
        self.endpoints = endpoints
        self.timeout = timeout
        self.max_retries = max_retries
        self.strict_validation = strict_validation
        # One SDK client per endpoint and event loop: its aiohttp session belongs to the loop that opened
        # it (the CLI and tests run several loops one after another).
        self._clients: dict[tuple[str, asyncio.AbstractEventLoop], AsyncOpenAI] = {}
        # Endpoint/model pairs that refused json_schema: JSON mode for a while, then strict again.
        self.modes = ResponseModes()

    def endpoint(self, name: str) -> Endpoint:
        try:
            return self.endpoints[name]
        except KeyError:
            known = ", ".join(sorted(self.endpoints))
            raise NotFound(f"There is no endpoint named `{name}`. Configured endpoints: {known}.") from None

    def _client(self, name: str) -> AsyncOpenAI:
        key = (name, asyncio.get_running_loop())
        client = self._clients.get(key)
        if client is None:
            ep = self.endpoint(name)
            client = self._clients[key] = AsyncOpenAI(
                api_key=ep.api_key.get_secret_value() if ep.api_key else "missing",
                base_url=ep.base_url,
                timeout=self.timeout,
                max_retries=self.max_retries,
                _strict_response_validation=self.strict_validation,
                # The SDK's aiohttp transport (its documented option for concurrency): httpx's pool
                # checks every pooled connection for every request, the largest cost of a triage at
                # 50 in flight (make profile); aiohttp's connector does not.
                http_client=DefaultAioHttpClient(timeout=self.timeout),
            )
        return client

    async def close(self) -> None:
        """Close this loop's clients; those of loops already closed went with their loop."""
        loop = asyncio.get_running_loop()
        for key in [key for key in self._clients if key[1] is loop or key[1].is_closed()]:
            client = self._clients.pop(key)
            if key[1] is loop:
                await client.close()

    async def complete_structured(
        self, endpoint: str, model_id: str, messages: list[dict[str, str]], answer_model: type[BaseModel]
    ) -> StructuredReply:
        """Chat Completions with a strict JSON schema, or JSON mode where the endpoint has none."""
        started = time.perf_counter()
        reply: StructuredReply | None = None
        outcome = "error"
        log_context.note(endpoint=endpoint, model_id=model_id)
        try:
            reply = await self._complete_structured(endpoint, model_id, messages, answer_model, started)
            outcome = "ok"
            return reply
        except ModelError as exc:
            outcome = exc.kind
            raise
        finally:
            _log_model_call(endpoint, model_id, started, outcome, reply)

    async def _complete_structured(
        self,
        endpoint: str,
        model_id: str,
        messages: list[dict[str, str]],
        answer_model: type[BaseModel],
        started: float,
    ) -> StructuredReply:
        with self._translated_errors(endpoint, model_id):
            if self.modes.mode(endpoint, model_id) == "json_schema":
                try:
                    return await self._complete_with_schema(
                        endpoint, model_id, messages, answer_model, started
                    )
                except openai.BadRequestError as exc:
                    if not is_unsupported_schema(exc.code, exc.param, exc.message):
                        raise
                    self.modes.fall_back(endpoint, model_id)
                    log.warning(
                        "endpoint %s rejected json_schema for model %s (%s); using JSON mode for %d hours",
                        endpoint,
                        model_id,
                        exc.code or "no code",
                        round(self.modes.ttl_seconds / 3600),
                    )
            return await self._complete_json_mode(endpoint, model_id, messages, answer_model, started)

    async def _complete_with_schema(
        self,
        endpoint: str,
        model_id: str,
        messages: list[dict[str, str]],
        answer_model: type[BaseModel],
        started: float,
    ) -> StructuredReply:
        completion = await self._chat(endpoint, model_id, messages, json_schema_format(answer_model))
        message = completion.choices[0].message
        if message.refusal:
            raise ModelRefused(f"Model `{model_id}` refused to triage this message.")
        return _reply(
            _parse(answer_model, message.content, model_id), completion.usage, started, "json_schema"
        )

    async def _complete_json_mode(
        self,
        endpoint: str,
        model_id: str,
        messages: list[dict[str, str]],
        answer_model: type[BaseModel],
        started: float,
    ) -> StructuredReply:
        completion = await self._chat(endpoint, model_id, messages, {"type": "json_object"})
        answer = _parse(answer_model, completion.choices[0].message.content, model_id)
        return _reply(answer, completion.usage, started, "json_object")

    async def _chat(
        self, endpoint: str, model_id: str, messages: list[dict[str, str]], response_format: dict[str, Any]
    ) -> ChatCompletion:
        """POST /chat/completions through the SDK's client (retries, timeouts, typed errors) but
        without `create()`/`parse()`'s per-call work: they rebuild the JSON schema and walk every
        parameter through type-driven transforms, over half the CPU a triage costs. Our body is
        already plain JSON, and the schema is built once per answer model."""
        body = {"model": model_id, "messages": messages, "response_format": response_format}
        return await self._client(endpoint).post("/chat/completions", body=body, cast_to=ChatCompletion)

    async def retrieve_model(self, endpoint: str, model_id: str) -> ModelInfo:
        """The model as the endpoint knows it; ModelUnknown when the key cannot see it."""
        ep = self.endpoint(endpoint)
        with self._translated_errors(endpoint, model_id):
            model = None
            if ep.supports_retrieve:
                try:
                    model = await self._client(endpoint).models.retrieve(model_id)
                except openai.NotFoundError as exc:
                    # OpenAI says `model_not_found`; a server without the route (vLLM) gives a
                    # bare 404 instead, and only its model list can tell.
                    if exc.code == "model_not_found":
                        raise
            if model is None:
                async for candidate in self._client(endpoint).models.list():
                    if candidate.id == model_id:
                        model = candidate
                        break
                if model is None:
                    raise _unknown_model(endpoint, model_id)
        # The SDK builds responses without validation, so unknown fields are plain attributes and
        # model_extra stays empty; read the attribute first.
        shutdown = getattr(model, "shutdown_date", None) or (model.model_extra or {}).get("shutdown_date")
        return ModelInfo(
            endpoint=endpoint,
            model_id=model.id,
            owned_by=getattr(model, "owned_by", None),
            shutdown_date=_parse_shutdown(shutdown),
        )

    async def list_fine_tuned_models(self, endpoint: str) -> FineTunedListing:
        """Succeeded fine-tuning jobs' models, newest first; from GET /models where there is no
        fine-tuning API (vLLM: 404; a LiteLLM proxy: 403/500 "not supported")."""
        found: list[FineTunedModel] = []
        with self._translated_errors(endpoint, "fine-tuning jobs"):
            try:
                async for job in self._client(endpoint).fine_tuning.jobs.list(limit=100):
                    if job.status == "succeeded" and job.fine_tuned_model:
                        created = datetime.fromtimestamp(job.created_at, UTC)
                        found.append(FineTunedModel(job.fine_tuned_model, job.model, created))
            except openai.APIStatusError as exc:
                if not _no_fine_tuning_api(exc):
                    raise
                log.info(
                    "endpoint %s has no fine-tuning API (HTTP %s); listing its models",
                    endpoint,
                    exc.status_code,
                )
                return FineTunedListing(await self._fine_tunes_from_model_list(endpoint), MODEL_LIST)
        return FineTunedListing(sorted(found, key=lambda ft: ft.created_at, reverse=True), FINE_TUNING_JOBS)

    async def _fine_tunes_from_model_list(self, endpoint: str) -> list[FineTunedModel]:
        found: list[FineTunedModel] = []
        with self._translated_errors(endpoint, "model list"):
            async for model in self._client(endpoint).models.list():
                base = _base_of(model)
                if base is not None:
                    found.append(
                        FineTunedModel(model.id, base or None, datetime.fromtimestamp(model.created, UTC))
                    )
        return sorted(found, key=lambda ft: (ft.created_at, ft.model_id), reverse=True)

    def _translated_errors(self, endpoint: str, model_id: str) -> _ErrorTranslation:
        return _ErrorTranslation(endpoint, model_id, self.timeout, self.max_retries)


class _ErrorTranslation:
    """Context manager mapping openai exceptions to user-facing ModelErrors."""

    def __init__(self, endpoint: str, model_id: str, timeout: float, retries: int) -> None:
        self.endpoint, self.model_id, self.timeout, self.retries = endpoint, model_id, timeout, retries

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: Any
    ) -> Literal[False]:
        if exc is None or isinstance(exc, ModelError | NotFound) or not isinstance(exc, openai.OpenAIError):
            return False
        ep, model = self.endpoint, self.model_id
        status = getattr(exc, "status_code", None)
        log.warning(
            "model call failed: endpoint=%s model=%s error=%s status=%s",
            ep,
            model,
            type(exc).__name__,
            status,
        )
        tries = f"after {self.retries + 1} attempts" if self.retries else "and retries are off"
        if isinstance(exc, openai.RateLimitError):
            raise ModelRateLimited(
                f"Endpoint `{ep}` is rate-limiting us (HTTP 429) {tries}. Wait a minute and try again."
            ) from None
        if isinstance(exc, openai.NotFoundError):
            raise _unknown_model(ep, model) from None
        if isinstance(exc, openai.APITimeoutError) and not _failed_to_connect(exc):
            raise ModelTimeout(
                f"Model `{model}` did not answer within {self.timeout:g} s ({tries}). Try again shortly; "
                "if it keeps happening the endpoint may be overloaded."
            ) from None
        if isinstance(exc, openai.APIConnectionError):
            raise ModelUnreachable(
                f"Could not connect to endpoint `{ep}` ({tries}). Check that it is up and that its base URL "
                "is right."
            ) from None
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            raise ModelAuthFailed(
                f"Endpoint `{ep}` rejected our API key (HTTP {status}). An operator needs to fix the key."
            ) from None
        if isinstance(exc, openai.APIStatusError) and (status or 0) >= 500:
            raise ModelServerError(
                f"Endpoint `{ep}` failed with a server error (HTTP {status}) {tries}. Try again in a few minutes."
            ) from None
        if isinstance(exc, openai.LengthFinishReasonError | openai.ContentFilterFinishReasonError):
            raise _off_schema(model) from None
        raise ModelError(
            f"Endpoint `{ep}` refused the request for model `{model}` (HTTP {status}). An operator should "
            "check the endpoint's configuration."
        ) from None


def _no_fine_tuning_api(exc: openai.APIStatusError) -> bool:
    """404 (vLLM has no such route), or a proxy's 403/500 that says the API is not supported."""
    if isinstance(exc, openai.NotFoundError):
        return True
    if exc.status_code in (403, 500, 501):
        text = str(exc.message).lower()
        return exc.status_code == 501 or "not supported" in text or "not implemented" in text
    return False


def _base_of(model: Any) -> str | None:
    """The base a listed model was tuned from; "" for a fine-tune of unknown base; None for a base model.

    vLLM names a LoRA adapter's base in `parent`; OpenAI-style IDs read `ft:<base>:<org>:…`."""
    parent = getattr(model, "parent", None) or (model.model_extra or {}).get("parent")
    if parent:
        return str(parent)
    if model.id.startswith("ft:"):
        return model.id.split(":")[1] or ""
    return None


@cache
def json_schema_format(answer_model: type[BaseModel]) -> dict[str, Any]:
    """The strict `response_format` parse() would send, cut to the keywords every model accepts
    (the reply is still validated against the whole answer model)."""
    given = type_to_response_format_param(answer_model)
    assert isinstance(given, dict)  # Omit only when no answer model is given
    param: dict[str, Any] = dict(given)
    spec = dict(param["json_schema"])
    spec["schema"] = strict_subset(spec.get("schema", {}))
    param["json_schema"] = spec
    return param


def _parse(answer_model: type[BaseModel], content: str | None, model_id: str) -> BaseModel:
    try:
        return answer_model.model_validate_json(content or "")
    except ValidationError as exc:
        raise _off_schema(model_id) from exc


def _unknown_model(endpoint: str, model_id: str) -> ModelUnknown:
    where = "OpenAI has" if endpoint == "openai" else f"Endpoint `{endpoint}` has"
    return ModelUnknown(
        f"{where} no model `{model_id}` visible to this key: it may be retired, deleted or misspelled. "
        "Check `/model list` and ask a lead to switch or roll back."
    )


def _off_schema(model_id: str) -> ModelOffSchema:
    return ModelOffSchema(
        f"Model `{model_id}` answered, but not in the triage format. The attempt was recorded; try again, "
        "and tell a lead if it keeps happening (the live model may need a rollback)."
    )


def _log_model_call(
    endpoint: str, model_id: str, started: float, outcome: str, reply: StructuredReply | None
) -> None:
    fields = {
        "endpoint": endpoint,
        "model_id": model_id,
        "latency_ms": round((time.perf_counter() - started) * 1000),
        "outcome": outcome,
        "prompt_tokens": reply.prompt_tokens if reply else None,
        "completion_tokens": reply.completion_tokens if reply else None,
    }
    log.info("model call", extra={"fields": fields})


def _reply(answer: BaseModel, usage: Any, started: float, mode: str) -> StructuredReply:
    return StructuredReply(
        answer=answer,
        latency_ms=round((time.perf_counter() - started) * 1000),
        prompt_tokens=getattr(usage, "prompt_tokens", None),
        completion_tokens=getattr(usage, "completion_tokens", None),
        response_mode=mode,
    )


def _failed_to_connect(exc: BaseException) -> bool:
    """A "timeout" from the SDK's aiohttp transport that was really a refused or dropped connection.

    The transport maps every aiohttp.ClientConnectionError to httpx's ConnectTimeout, so a refused
    connection would tell the agent the model was slow. The aiohttp error is in the chain of causes;
    its real timeouts are TimeoutErrors."""
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, aiohttp.ClientConnectionError):
            return not isinstance(cause, TimeoutError)
        cause = cause.__cause__
    return False
