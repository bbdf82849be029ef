"""A local stand-in for the parts of the OpenAI HTTP API the bot uses.

Responses follow the real API's shapes closely enough for the official SDK with
``_strict_response_validation=True``; behaviour (answers, faults, latency) is scripted by tests.
State is touched from the test's thread and served from the server thread, hence the lock.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, get_args

from aiohttp import web

from bot.standins import openai_wire as wire
from bot.standins import triage_heuristic
from bot.standins.server import ServedStandIn

__all__ = ["DEFAULT_CATEGORIES", "FaultKind", "OpenAIStandIn", "RecordedRequest", "ServesLike"]

# Which server the model and fine-tuning endpoints behave like. "vllm": no fine-tuning API (404),
# no GET /models/{id} (404), LoRA adapters listed with `parent`/`root`. "litellm": a proxy whose
# fine-tuning passthrough answers `litellm_status` "not supported", and a bare model list.
ServesLike = Literal["openai", "vllm", "litellm"]

FaultKind = Literal[
    "rate_limit",
    "server_error",
    "overloaded",
    "timeout",
    "off_schema",
    "reject_json_schema",
    "bad_response_format",
    "disconnect",
]
DEFAULT_CATEGORIES: tuple[str, ...] = triage_heuristic.DEFAULT_CATEGORIES
# OpenAI's answer to json_schema on a model without structured outputs.
JSON_SCHEMA_UNSUPPORTED = (
    "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."
)
_OFF_SCHEMA_ANSWER: dict[str, Any] = {"urgency": "whenever"}
_REDACTED_HEADERS = frozenset({"authorization", "api-key"})
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    json: Any  # decoded body, or None when the body was empty or not JSON
    headers: dict[str, str]  # credentials redacted


@dataclass
class _Fault:
    kind: FaultKind
    times: int
    retry_after: float | None
    model: str | None


@dataclass(frozen=True)
class _Script:
    contains: str
    answer: dict[str, Any]
    model: str | None


class OpenAIStandIn(ServedStandIn):
    """Fake ``/v1`` API: chat completions, models, fine-tuning jobs; with faults and recording."""

    def __init__(
        self,
        models: Iterable[str] = (),
        *,
        api_key: str | None = None,
        categories: Iterable[str] = DEFAULT_CATEGORIES,
        latency: float = 0.0,
        hang_seconds: float = 30.0,
    ) -> None:
        self.api_key = api_key
        self.categories: list[str] = list(categories)
        self.latency = latency
        self.model_latency: dict[str, float] = {}  # overrides `latency` for one model
        self.hang_seconds = hang_seconds  # how long a "timeout" fault stalls before answering
        self.reject_json_schema_models: set[str] = set()
        self.serves_like: ServesLike = "openai"
        self.litellm_status = 500  # some LiteLLM versions answer 403 instead
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._models: dict[str, wire.ModelRecord] = {}
        self._jobs: dict[str, dict[str, Any]] = {}  # keyed by fine-tuned model id; outlive the model
        self._faults: list[_Fault] = []
        self._scripts: list[_Script] = []
        for model_id in models:
            self.add_model(model_id)
        self.app = self._build_app()

    # ---- configuration (called from the test thread) -------------------------------------------

    def add_model(
        self,
        model_id: str,
        *,
        owned_by: str = "user",
        shutdown_date: datetime.date | None = None,
        fine_tune_of: str | None = None,
        lora_of: str | None = None,
    ) -> None:
        """`lora_of` names the base a vLLM LoRA adapter runs on (listed as `parent` in vLLM mode)."""
        created = int(time.time())
        with self._lock:
            self._models[model_id] = wire.ModelRecord(model_id, created, owned_by, shutdown_date, lora_of)
            if fine_tune_of is not None:
                self._jobs[model_id] = wire.succeeded_job(model_id, fine_tune_of, created)

    def remove_model(self, model_id: str) -> None:
        """Retire a model: it 404s from now on, but its fine-tuning job stays listed, as in the real API."""
        with self._lock:
            self._models.pop(model_id, None)

    def script(self, contains: str, answer: dict[str, Any]) -> None:
        """Answer ``answer`` (dumped verbatim) when the last user message contains ``contains``."""
        with self._lock:
            self._scripts.append(_Script(contains, answer, None))

    def script_for_model(self, model_id: str, contains: str, answer: dict[str, Any]) -> None:
        with self._lock:
            self._scripts.append(_Script(contains, answer, model_id))

    def fail_next(
        self, kind: FaultKind, *, times: int = 1, retry_after: float | None = None, model: str | None = None
    ) -> None:
        """Make the next ``times`` chat completions (for ``model``, if given) fail as ``kind``."""
        if kind not in get_args(FaultKind):
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {get_args(FaultKind)}")
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._lock:
            self._faults.append(_Fault(kind, times, retry_after, model))

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self._scripts.clear()
            self.requests.clear()

    def chat_requests(self) -> list[dict[str, Any]]:
        """Bodies of the chat completion requests received so far, oldest first."""
        with self._lock:
            return [r.json for r in self.requests if r.path == "/v1/chat/completions" and r.method == "POST"]

    # ---- HTTP ----------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record, self._authenticate])
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        app.router.add_get("/v1/models", self._list_models)
        app.router.add_get("/v1/models/{model:.+}", self._retrieve_model)  # fine-tune ids contain ':'
        app.router.add_get("/v1/fine_tuning/jobs", self._list_jobs)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        raw = await request.read()  # aiohttp caches the body, so handlers can read it again
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {
            k: ("Bearer ***" if k.lower() in _REDACTED_HEADERS else v) for k, v in request.headers.items()
        }
        with self._lock:
            self.requests.append(RecordedRequest(request.method, request.path, body, headers))
        response = await handler(request)
        # Real responses carry one; the SDK surfaces it as `_request_id` and the bot may log it.
        response.headers.setdefault("x-request-id", f"req_{uuid.uuid4().hex}")
        return response

    @web.middleware
    async def _authenticate(self, request: web.Request, handler: _Handler) -> web.StreamResponse:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not key.strip():
            return wire.openai_error(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if self.api_key is not None and key.strip() != self.api_key:
            # Unlike the real API we never echo even a masked key: recordings end up in CI logs.
            return wire.openai_error(401, "Incorrect API key provided.", code="invalid_api_key")
        return await handler(request)

    async def _list_models(self, request: web.Request) -> web.Response:
        shape = {"vllm": wire.vllm_model_object, "litellm": wire.litellm_model_object}.get(
            self.serves_like, wire.model_object
        )
        with self._lock:
            data = [shape(m) for m in self._models.values()]
        return web.json_response({"object": "list", "data": data})

    async def _retrieve_model(self, request: web.Request) -> web.Response:
        if self.serves_like == "vllm":
            return wire.fastapi_not_found()
        model_id = request.match_info["model"]
        with self._lock:
            model = self._models.get(model_id)
        if model is None:
            return wire.model_not_found(model_id)
        return web.json_response(wire.model_object(model))

    async def _list_jobs(self, request: web.Request) -> web.Response:
        if self.serves_like == "vllm":
            return wire.fastapi_not_found()
        if self.serves_like == "litellm":
            return wire.litellm_not_supported(self.litellm_status)
        try:
            limit = int(request.query.get("limit", "20"))
        except ValueError:
            return wire.openai_error(400, "Invalid value for 'limit': must be an integer.", param="limit")
        with self._lock:
            jobs = sorted(self._jobs.values(), key=lambda j: j["created_at"], reverse=True)
        after = request.query.get("after")
        if after is not None:
            ids = [job["id"] for job in jobs]
            jobs = jobs[ids.index(after) + 1 :] if after in ids else []
        return web.json_response({"object": "list", "data": jobs[:limit], "has_more": len(jobs) > limit})

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return wire.openai_error(400, "We could not parse the JSON body of your request.")
        requested = body.get("model")
        fault = self._take_fault(requested if isinstance(requested, str) else None)
        answer: dict[str, Any] | None = None
        if fault is not None:
            if fault.kind == "timeout":
                await asyncio.sleep(self.hang_seconds)
            elif fault.kind == "off_schema":
                answer = _OFF_SCHEMA_ANSWER
            else:
                return self._fault_response(fault, request)
        problem = wire.request_problem(body)
        if problem is not None:
            message, param = problem
            return wire.openai_error(400, message, param=param)
        model: str = body["model"]
        response_format = body.get("response_format") or {}
        with self._lock:
            known = model in self._models
            latency = self.model_latency.get(model, self.latency)
            rejects_schema = model in self.reject_json_schema_models
        if not known:
            return wire.model_not_found(model)
        if rejects_schema and response_format.get("type") == "json_schema":
            return wire.openai_error(400, JSON_SCHEMA_UNSUPPORTED, param="response_format")
        if (refusal := wire.schema_problem(model, response_format)) is not None:
            return refusal
        if latency > 0:
            await asyncio.sleep(latency)
        text = wire.last_user_text(body["messages"])
        if answer is None:
            answer = self._scripted_answer(model, text)
        if answer is None:
            schema = (response_format.get("json_schema") or {}).get("schema") or {}
            answer = triage_heuristic.triage(text, schema, self.categories)
        content = json.dumps(answer)
        return web.json_response(wire.chat_completion(model, content, body["messages"]))

    # ---- helpers -------------------------------------------------------------------------------

    def _take_fault(self, model: str | None) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.model is None or fault.model == model:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _scripted_answer(self, model: str, text: str) -> dict[str, Any] | None:
        with self._lock:
            for script in reversed(self._scripts):
                if script.model in (None, model) and script.contains in text:
                    return script.answer
        return None

    def _fault_response(self, fault: _Fault, request: web.Request) -> web.Response:
        if fault.kind == "rate_limit":
            headers: dict[str, str] = {}
            if fault.retry_after is not None:
                headers = {
                    "Retry-After": f"{fault.retry_after:g}",
                    "retry-after-ms": str(round(fault.retry_after * 1000)),
                }
            message = "Rate limit reached for requests. Please try again later."
            return wire.openai_error(
                429, message, type_="requests", code="rate_limit_exceeded", headers=headers
            )
        if fault.kind == "server_error":
            message = "The server had an error while processing your request. Sorry about that!"
            return wire.openai_error(500, message, type_="server_error")
        if fault.kind == "overloaded":
            message = "The engine is currently overloaded, please try again later."
            return wire.openai_error(503, message, type_="server_error")
        if fault.kind == "reject_json_schema":
            return wire.openai_error(400, JSON_SCHEMA_UNSUPPORTED, param="response_format")
        if fault.kind == "bad_response_format":
            # A 400 about response_format that is not "schema unsupported": our bug, not the model's.
            message = "Invalid type for 'response_format.json_schema.schema': expected an object."
            return wire.openai_error(400, message, param="response_format", code="invalid_type")
        assert fault.kind == "disconnect", fault.kind
        # Drop the socket without writing a byte, so the client sees the server vanish mid-request.
        # aiohttp takes a CancelledError from a handler as "client went away" and writes nothing.
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError
