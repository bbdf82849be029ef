"""app.yaml is a valid Slack manifest, and it declares exactly what the app listens to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from commands.ids import Event, Shortcut, SlashCommand
from tests.conftest import Bot

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT.parent / "shared" / "reference" / "slack-app-manifest.schema.json"


def manifest() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "app.yaml").read_text())


def test_manifest_matches_slack_schema() -> None:
    if not SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema is not at {SCHEMA}")
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
