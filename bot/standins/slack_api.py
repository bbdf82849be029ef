"""A local stand-in for the Slack Web API, response URLs and the external file upload flow.

It answers the way slack_sdk's AsyncWebClient / AsyncWebhookClient expect, records what the bot
said, and lets tests inject rate limits, server errors and API errors. Calls the stand-in refused
(faults, bad token, unknown method) go to ``rejected`` instead of ``calls``, so "delivered exactly
once" is simply ``len(calls_to(method)) == 1`` even after retries.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.standins import slack_methods
from bot.standins.server import ServedStandIn

__all__ = ["DEFAULT_SCOPES", "SlackCall", "SlackStandIn"]

DEFAULT_SCOPES: tuple[str, ...] = (
    "app_mentions:read",
    "channels:history",
    "channels:join",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:read",
    "reactions:write",
    "usergroups:read",
    "users:read",
)
# Sent by slack_sdk as JSON strings inside form bodies; decoded so tests can inspect structure.
_JSON_FIELDS = frozenset({"blocks", "attachments", "view", "files", "metadata"})


@dataclass(frozen=True)
class SlackCall:
    method: str  # Web API method, or "response_url" / "upload" for those endpoints
    params: dict[str, Any]
    at: float = field(default_factory=time.time)
    error: str | None = None  # why it was refused; always None in `calls`


CallListener = Callable[[SlackCall, "dict[str, Any] | None"], None]


@dataclass
class _Fault:
    status: int
    retry_after: int
    times: int
    error: str | None


class SlackStandIn(ServedStandIn):
    def __init__(
        self,
        *,
        bot_token: str | None = None,
        scopes: Iterable[str] = DEFAULT_SCOPES,
        usergroups: Mapping[str, list[str]] | None = None,
        missing_channels: Iterable[str] = (),
        team_id: str = "T0STANDIN",
        bot_user_id: str = "U0STANDINBOT",
        bot_id: str = "B0STANDIN",
    ) -> None:
        self.bot_token = bot_token
        self.scopes: list[str] = list(scopes)
        self.usergroups: dict[str, list[str]] = dict(usergroups or {})
        self.missing_channels: set[str] = set(missing_channels)
        # Messages conversations.replies can return, by (channel, ts); tests seed them.
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.identity = slack_methods.Identity(team_id=team_id, bot_user_id=bot_user_id, bot_id=bot_id)
        self.down = False  # True: every endpoint answers 503, as during a Slack incident
        self.calls: list[SlackCall] = []
        self.rejected: list[SlackCall] = []
        self.uploads: dict[str, int] = {}  # file_id -> bytes received
        self._changed = threading.Condition()  # guards all mutable state; notified on every call
        self._faults: dict[str, list[_Fault]] = {}
        self._ids = itertools.count(1)
        self._listeners: list[CallListener] = []
        self.app = self._build_app()

    # ---- configuration and inspection (test thread) --------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        error: str | None = None,
    ) -> None:
        """Refuse the next ``times`` calls to ``method``: HTTP ``status`` or, with ``error``, ok=false."""
        with self._changed:
            self._faults.setdefault(method, []).append(_Fault(status, retry_after, times, error))

    def response_url(self, name: str = "r") -> str:
        """A fresh response URL (as found in slash command and interaction payloads)."""
        if self.base_url is None:
            raise RuntimeError("response_url() needs the stand-in to be served (use .serve())")
        return f"{self.base_url}/response/{name}-{secrets.token_hex(6)}"

    def calls_to(self, method: str) -> list[SlackCall]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self,
        method: str,
        predicate: Callable[[SlackCall], bool] | None = None,
        timeout: float = 5.0,
        count: int = 1,
    ) -> list[SlackCall]:
        """Block until ``count`` accepted calls to ``method`` match ``predicate``; returns them.

        This blocks the calling thread. From a coroutine whose event loop also runs the bot,
        use ``wait_for_async`` or the bot never gets to make the call being waited for.
        """

        def matching() -> list[SlackCall]:
            return [c for c in self.calls if c.method == method and (predicate is None or predicate(c))]

        with self._changed:
            if self._changed.wait_for(lambda: len(matching()) >= count, timeout):
                return matching()
            seen = [c.method for c in self.calls]
            refused = [f"{c.method} ({c.error})" for c in self.rejected]
        raise AssertionError(
            f"expected {count} matching {method} call(s) within {timeout}s; "
            f"recorded: {seen}; rejected: {refused}"
        )

    async def wait_for_async(
        self,
        method: str,
        predicate: Callable[[SlackCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - mirrors wait_for; the wait happens in a worker thread
        count: int = 1,
    ) -> list[SlackCall]:
        return await asyncio.to_thread(self.wait_for, method, predicate, timeout, count)

    def add_listener(self, listener: CallListener) -> None:
        """Call ``listener(call, reply)`` for every accepted call, from the server thread (keep it quick).

        ``reply`` is the Web API answer (it holds the ``ts`` or view ID Slack assigned); None for
        response URLs and uploads. The sandbox console renders what the bot says through this.
        """
        with self._changed:
            self._listeners.append(listener)

    def _notify(self, call: SlackCall, reply: dict[str, Any] | None) -> None:
        with self._changed:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(call, reply)

    def reset(self) -> None:
        with self._changed:
            self.calls.clear()
            self.rejected.clear()
            self.uploads.clear()
            self._faults.clear()
            self.down = False

    # ---- HTTP ----------------------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{token}", self._response_url)
        return app

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        # slack_sdk sends the token as a bearer header; older callers put it in the body. Either
        # way it is dropped from params, so recordings never hold credentials.
        form_token = str(params.pop("token", ""))
        scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
        token = bearer if scheme == "Bearer" else form_token
        refusal = self._refusal(method, params)
        if refusal is not None:
            return refusal
        reply: dict[str, Any] | None = None
        if not token:
            reply = {"ok": False, "error": "not_authed"}
        elif self.bot_token is not None and token != self.bot_token:
            reply = {"ok": False, "error": "invalid_auth"}
        with self._changed:  # one critical section, so recording order matches ts order
            if reply is None:
                reply = slack_methods.answer(method, params, self._context(request))
            accepted = SlackCall(method, params) if reply.get("ok") else None
            if accepted is not None:
                self._accept(accepted)
            else:
                self._refuse(SlackCall(method, params, error=str(reply.get("error"))))
        if accepted is not None:
            self._notify(accepted, reply)
        return web.json_response(reply, headers={"x-oauth-scopes": ",".join(self.scopes)})

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        size = len(await request.read())
        params: dict[str, Any] = {"file_id": file_id, "size": size}
        refusal = self._refusal("upload", params, text=True)
        if refusal is not None:
            return refusal
        with self._changed:
            self.uploads[file_id] = size
            self._accept(SlackCall("upload", params))
        return web.Response(text=f"OK - {size}")

    async def _response_url(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        params = {
            **(body if isinstance(body, dict) else {"_body": body}),
            "_token": request.match_info["token"],
        }
        refusal = self._refusal("response_url", params, text=True)
        if refusal is not None:
            return refusal
        call = SlackCall("response_url", params)
        with self._changed:
            self._accept(call)
        self._notify(call, None)
        return web.Response(text="ok")

    # ---- helpers -------------------------------------------------------------------------------

    def _context(self, request: web.Request) -> slack_methods.Context:
        # The URL clients reached us at; with run_in_thread on port 0 only the request knows it.
        base_url = f"{request.scheme}://{request.host}"
        return slack_methods.Context(
            identity=self.identity,
            base_url=base_url,
            usergroups=self.usergroups,
            missing_channels=self.missing_channels,
            next_id=lambda: next(self._ids),
            messages=self.messages,
        )

    def _accept(self, call: SlackCall) -> None:
        # Caller holds self._changed.
        self.calls.append(call)
        self._changed.notify_all()

    def _refuse(self, call: SlackCall) -> None:
        # Caller holds self._changed.
        self.rejected.append(call)
        self._changed.notify_all()

    def _refusal(self, method: str, params: dict[str, Any], *, text: bool = False) -> web.Response | None:
        """The outage or injected fault this call runs into, if any (consumed in order)."""
        with self._changed:
            fault: _Fault | None = None
            if self.down:
                fault = _Fault(status=503, retry_after=0, times=1, error=None)
            elif self._faults.get(method):
                fault = self._faults[method][0]
                fault.times -= 1
                if fault.times == 0:
                    self._faults[method].pop(0)
            if fault is None:
                return None
            error = fault.error or ("ratelimited" if fault.status == 429 else f"http_{fault.status}")
            self._refuse(SlackCall(method, params, error=error))
        if fault.error is not None:
            if text:  # response URLs and uploads answer plain text, not JSON envelopes
                return web.Response(status=400, text=fault.error)
            return web.json_response({"ok": False, "error": fault.error})
        headers = {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}
        if text:
            return web.Response(status=fault.status, text=error, headers=headers)
        return web.json_response({"ok": False, "error": error}, status=fault.status, headers=headers)


async def _params(request: web.Request) -> dict[str, Any]:
    """Query string plus body, however slack_sdk chose to encode it (form, multipart or JSON)."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.method == "POST":
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                params[key] = {"filename": value.filename, "size": len(value.file.read())}
            else:
                params[key] = value
    for key in _JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass  # keep the raw string: malformed blocks are something a test may want to see
    return params
