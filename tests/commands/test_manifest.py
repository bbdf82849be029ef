"""app.yaml is a valid Slack manifest, and it declares exactly what the app listens to."""

from __future__ import annotations

import inspect
import json
import re

import jsonschema
from slack_sdk.web.async_client import AsyncWebClient

from bot.standins.slack_scopes import ChannelKind, needed_scopes
from commands.ids import Event, Shortcut, SlashCommand
from tests.support.app_under_test import Bot
from tests.support.manifest import manifest
from tests.support.paths import REPO_ROOT, TEST_DATA

ROOT = REPO_ROOT
# Vendored (see tests/data/README.md): the tests need nothing outside the repository.
SCHEMA = TEST_DATA / "slack-app-manifest.schema.json"


def test_manifest_matches_slack_schema() -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator(schema).validate(manifest())


def test_manifest_declares_exactly_the_listeners() -> None:
    features = manifest()["features"]
    assert {c["command"] for c in features.get("slash_commands", [])} == {c.value for c in SlashCommand}
    assert {s["callback_id"] for s in features.get("shortcuts", [])} == {s.value for s in Shortcut}
    events = manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == {e.value for e in Event}


def test_every_manifest_entry_reaches_a_listener(bot: Bot) -> None:
    """Bolt answers 404 to requests no listener matches: each declared entry must get past that."""
    features = manifest()["features"]
    for command in features.get("slash_commands", []):
        response, _ = bot.send.command(command["command"], "help")
        assert response.status_code == 200, command
    for shortcut in features.get("shortcuts", []):
        response, _ = bot.send.message_shortcut(shortcut["callback_id"], "hello")
        assert response.status_code == 200, shortcut
    for event in manifest()["settings"]["event_subscriptions"]["bot_events"]:
        response = bot.send.event(
            {
                "type": event,
                "user": "U0AGENT",
                "channel": "C0SUPPORT",
                "text": "hi",
                "ts": "1700000000.000900",
                "event_ts": "1700000000.000900",
                "tab": "home",
            }
        )
        assert response.status_code == 200, event


# ---- scopes ------------------------------------------------------------------------------------

# Scopes no call found below needs: events, slash commands and shortcuts, posting in public channels
# the bot was not invited to, and reading a thread's parent message (conversations.replies, in any
# conversation type) to triage a reply.
SCOPES_WITHOUT_A_CALL = {
    "app_mentions:read": "app_mention events",
    "commands": "slash commands and the message shortcut",
    "chat:write.public": "posting in public channels without an invitation",
    "channels:history": "conversations.replies in public channels",
    "groups:history": "conversations.replies in private channels",
    "im:history": "conversations.replies in DMs",
    "mpim:history": "conversations.replies in group DMs",
}
# Conversation types each conversation-scoped method is used on by the app.
KINDS_USED: dict[str, tuple[ChannelKind, ...]] = {
    "conversations.info": ("public", "private"),  # `triagebot check`: approval and digest channels
    "conversations.replies": ("public", "private", "im", "mpim"),
    "conversations.history": ("public", "private", "im", "mpim"),
}
_METHOD_LITERAL = re.compile(
    r"[\"']((?:auth|chat|conversations|files|reactions|usergroups|users|views)\.[\w.]+)[\"']"
)


def _sdk_methods(attribute: str, seen: set[str] | None = None) -> set[str]:
    """The Web API methods one AsyncWebClient method calls (files_upload_v2 calls several)."""
    seen = seen if seen is not None else set()
    if attribute in seen or not hasattr(AsyncWebClient, attribute):
        return set()
    seen.add(attribute)
    source = inspect.getsource(getattr(AsyncWebClient, attribute))
    methods = set(re.findall(r"api_call\(\s*\"([\w.]+)\"", source))
    for inner in re.findall(r"self\.(\w+)\(", source):
        methods |= _sdk_methods(inner, seen)
    return methods


def methods_the_app_calls() -> set[str]:
    methods: set[str] = set()
    for folder in ("bot", "commands"):
        for path in (ROOT / folder).rglob("*.py"):
            if "standins" in path.parts or "sandbox" in path.parts:
                continue  # the stand-ins answer these methods; the sandbox drives the stand-ins
            source = path.read_text(encoding="utf-8")
            for attribute in re.findall(r"client\.(\w+)\(", source):
                methods |= _sdk_methods(attribute)
            methods |= set(_METHOD_LITERAL.findall(source))
    return methods


def test_every_web_api_call_the_app_makes_has_its_scope_in_the_manifest() -> None:
    declared = set(manifest()["oauth_config"]["scopes"]["bot"])
    called = methods_the_app_calls()
    assert {"chat.postMessage", "usergroups.users.list", "conversations.info"} <= called  # the scan works
    needed: dict[str, str] = {}
    for method in called:
        for kind in KINDS_USED.get(method, (None,)):
            if scope := needed_scopes(method, kind):
                needed[scope] = method
    missing = {scope: method for scope, method in needed.items() if scope not in declared}
    assert not missing, f"app.yaml lacks scopes for calls the app makes: {missing}"
    unexplained = declared - set(needed) - set(SCOPES_WITHOUT_A_CALL)
    assert not unexplained, f"app.yaml asks for scopes nothing uses: {unexplained}"
    assert "im:write" not in declared  # nothing opens DMs with conversations.open
