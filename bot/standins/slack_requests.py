"""Requests signed and shaped exactly as Slack sends them: form-encoded slash commands,
`payload=` interactivity, JSON Events API callbacks. Used by the tests and the sandbox console.

Set ``enterprise_id`` (and ``enterprise_install``) on a sender to send what an Enterprise Grid
workspace sends; ``team_id`` to come from another workspace. Message shapes for
``message_shortcut(message=…)`` are in ``bot.standins.slack_messages``."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

TEAM_ID = "T0STANDIN"


@dataclass
class SlackSender:
    """Sends signed requests to the app under test at `base_url`/slack/events."""

    base_url: str
    signing_secret: str
    response_url_factory: Any  # callable returning a fresh response URL on the Slack stand-in
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=10))
    # The last request exactly as sent (body and headers), so a test can replay it byte for byte.
    last_sent: tuple[bytes, dict[str, str]] | None = None
    _signed: set[tuple[int, bytes]] = field(default_factory=set, repr=False)
    team_id: str = TEAM_ID
    enterprise_id: str | None = None  # set: every request carries Enterprise Grid's fields
    enterprise_name: str = "Acme Grid"
    enterprise_install: bool = False  # an org-wide install (is_enterprise_install)

    def _enterprise(self) -> dict[str, Any] | None:
        """The ``enterprise`` object of interaction payloads (null outside Enterprise Grid)."""
        return {"id": self.enterprise_id, "name": self.enterprise_name} if self.enterprise_id else None

    def _team(self) -> dict[str, str] | None:
        # Org-wide installs get interactions without a workspace; Slack sends team: null there.
        return None if self.enterprise_install else {"id": self.team_id, "domain": "acme"}

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        if timestamp is None:
            # Slack never signs the same bytes twice (a retry is re-signed with a new timestamp), and
            # the app refuses a repeated signature as a replay: two identical bodies sent within one
            # second get timestamps a second apart, as they would from Slack.
            timestamp = int(time.time())
            while (timestamp, body) in self._signed:
                timestamp -= 1
            self._signed.add((timestamp, body))
        ts = str(timestamp)
        signature = SignatureVerifier(self.signing_secret).generate_signature(timestamp=ts, body=body)
        assert signature is not None  # None only without a timestamp or a body
        return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature}

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> httpx.Response:
        sent = {"Content-Type": content_type, **self.sign(body, timestamp)}
        sent.update(headers or {})
        self.last_sent = (body, dict(sent))
        return self.client.post(f"{self.base_url}/slack/events", content=body, headers=sent)

    def replay(self, *, extra_headers: dict[str, str] | None = None) -> httpx.Response:
        """The last request again, same bytes and same signature (an attacker's or a proxy's replay)."""
        if self.last_sent is None:
            raise RuntimeError("nothing was sent yet")
        body, headers = self.last_sent
        return self.client.post(
            f"{self.base_url}/slack/events", content=body, headers={**headers, **(extra_headers or {})}
        )

    def command(
        self,
        command: str,
        text: str,
        *,
        user_id: str = "U0AGENT",
        channel_id: str = "C0SUPPORT",
        response_url: str | None = None,
    ) -> tuple[httpx.Response, str]:
        url = response_url or self.response_url_factory()
        form = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "support",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0TRIAGEBOT",
            "is_enterprise_install": str(self.enterprise_install).lower(),
            "response_url": url,
            "trigger_id": f"{int(time.time())}.123.abc",
        }
        if self.enterprise_id:
            form.update({"enterprise_id": self.enterprise_id, "enterprise_name": self.enterprise_name})
        body = urlencode(form).encode()
        return self.post(body, "application/x-www-form-urlencoded"), url

    def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        """Sends ``payload`` as is; the builders below add the workspace and enterprise fields."""
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user_id: str = "U0AGENT",
        channel_id: str = "C0SUPPORT",
        message_ts: str = "1700000000.000100",
        block_id: str = "block",
        message: dict[str, Any] | None = None,
    ) -> tuple[httpx.Response, str]:
        url = self.response_url_factory()
        payload = {
            "type": "block_actions",
            "team": self._team(),
            "enterprise": self._enterprise(),
            "is_enterprise_install": self.enterprise_install,
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "api_app_id": "A0TRIAGEBOT",
            "token": "legacy-verification-token",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id},
            "trigger_id": f"{int(time.time())}.123.def",
            "channel": {"id": channel_id, "name": "support"},
            "message": message or {"type": "message", "ts": message_ts, "text": "", "blocks": []},
            "response_url": url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "text": {"type": "plain_text", "text": "button"},
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.interaction(payload), url

    def message_shortcut(
        self,
        callback_id: str,
        message_text: str,
        *,
        user_id: str = "U0AGENT",
        channel_id: str = "C0SUPPORT",
        message_ts: str = "1700000000.000200",
        thread_ts: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> tuple[httpx.Response, str]:
        """`message` replaces the whole message (blocks-only, attachments, files, bot messages...)."""
        url = self.response_url_factory()
        if message is None:
            message = {"type": "message", "user": "U0CUSTOMER", "ts": message_ts, "text": message_text}
            if thread_ts:
                message["thread_ts"] = thread_ts
        message_ts = str(message.get("ts", message_ts))
        payload = {
            "type": "message_action",
            "token": "legacy-verification-token",
            "action_ts": f"{time.time():.6f}",
            "team": self._team(),
            "enterprise": self._enterprise(),
            "is_enterprise_install": self.enterprise_install,
            "user": {"id": user_id, "name": user_id.lower(), "team_id": self.team_id},
            "channel": {"id": channel_id, "name": "support"},
            "callback_id": callback_id,
            "trigger_id": f"{int(time.time())}.123.ghi",
            "message_ts": message_ts,
            "message": message,
            "response_url": url,
        }
        return self.interaction(payload), url

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        authorization: dict[str, Any] = {
            "enterprise_id": self.enterprise_id,
            "team_id": self.team_id,
            "user_id": "U0STANDINBOT",
            "is_bot": True,
            "is_enterprise_install": self.enterprise_install,
        }
        envelope: dict[str, Any] = {
            "token": "legacy-verification-token",
            "team_id": self.team_id,
            "api_app_id": "A0TRIAGEBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
            "authorizations": [authorization],
            "is_ext_shared_channel": False,
        }
        if self.enterprise_id:
            envelope.update(
                {"enterprise_id": self.enterprise_id, "is_enterprise_install": self.enterprise_install}
            )
        return self.post(json.dumps(envelope).encode(), "application/json", headers=headers)

    def mention(
        self,
        text: str,
        *,
        user_id: str = "U0AGENT",
        channel_id: str = "C0SUPPORT",
        ts: str = "1700000000.000300",
        thread_ts: str | None = None,
        event_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        event: dict[str, Any] = {
            "type": "app_mention",
            "user": user_id,
            "text": f"<@U0STANDINBOT> {text}",
            "ts": ts,
            "channel": channel_id,
            "event_ts": ts,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, event_id=event_id, headers=headers)
