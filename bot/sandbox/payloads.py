"""Interaction payloads shaped as Slack sends them for a click in a message/modal/Home tab, and a
modal submission (state values keyed by block and action ID, initial values included)."""

from __future__ import annotations

import time
from typing import Any

from bot.sandbox.render import options_of
from bot.sandbox.screen import Control, Surface
from bot.standins.slack_requests import TEAM_ID

APP_ID = "A0TRIAGEBOT"


def user_object(user_id: str, name: str) -> dict[str, Any]:
    return {"id": user_id, "username": name, "name": name, "team_id": TEAM_ID}


def _base(kind: str, user_id: str, name: str, trigger_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "team": {"id": TEAM_ID, "domain": "sandbox"},
        "user": user_object(user_id, name),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": trigger_id,
        "is_enterprise_install": False,
        "enterprise": None,
    }


def slash_command(
    command: str,
    text: str,
    user_id: str,
    name: str,
    channel_id: str,
    channels: dict[str, str],
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form Slack posts for a slash command."""
    return {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": "sandbox",
        "channel_id": channel_id,
        "channel_name": channels.get(channel_id, channel_id),
        "user_id": user_id,
        "user_name": name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def find_option(element: dict[str, Any], wanted: str) -> dict[str, Any] | None:
    wanted = wanted.strip().lower()
    for option in options_of(element):
        text = str((option.get("text") or {}).get("text", "")).lower()
        if str(option.get("value", "")).lower() == wanted or text == wanted:
            return option
    return None


def action_of(control: Control, choice: str | None) -> dict[str, Any]:
    element = control.element
    action: dict[str, Any] = {
        "type": element.get("type"),
        "action_id": element.get("action_id"),
        "block_id": control.block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if element.get("type") == "button":
        action["text"] = element.get("text")
        if "value" in element:
            action["value"] = element["value"]
        if element.get("style"):
            action["style"] = element["style"]
        return action
    if choice is None:
        raise ValueError("choose one: click N <choice>")
    option = find_option(element, choice)
    if option is None:
        choices = ", ".join(str(o.get("value")) for o in options_of(element))
        raise ValueError(f"no choice {choice!r}; pick one of: {choices}")
    action["selected_option"] = option
    return action


def block_actions(
    control: Control, choice: str | None, user_id: str, name: str, trigger_id: str, response_url: str | None
) -> dict[str, Any]:
    payload = _base("block_actions", user_id, name, trigger_id)
    surface = control.surface
    payload["actions"] = [action_of(control, choice)]
    payload["state"] = {"values": {}}
    if surface.kind in ("modal", "home"):
        view = dict(surface.view or {})
        view["state"] = {"values": state_values(surface, {})}
        payload["container"] = {"type": "view", "view_id": view.get("id")}
        payload["view"] = view
        return payload
    channel = surface.channel_id or ""
    payload["container"] = {
        "type": "message",
        "message_ts": surface.ts,
        "channel_id": channel,
        "is_ephemeral": surface.kind == "ephemeral",
    }
    payload["channel"] = {"id": channel, "name": channel.lower()}
    if surface.kind == "message":
        payload["message"] = surface.message()  # Slack leaves it out for ephemeral messages
    payload["response_url"] = response_url
    return payload


def input_keys(block: dict[str, Any]) -> set[str]:
    element = block.get("element") or {}
    label = str((block.get("label") or {}).get("text", ""))
    keys = {
        str(element.get("action_id", "")),
        str(block.get("block_id", "")),
        label.lower().replace(" ", "_"),
    }
    return {k.lower() for k in keys if k}


def _value(element: dict[str, Any], given: str | None) -> dict[str, Any]:
    kind = element.get("type")
    state: dict[str, Any] = {"type": kind}
    if kind in ("static_select", "radio_buttons", "external_select"):
        option = find_option(element, given) if given is not None else element.get("initial_option")
        if given is not None and option is None:
            choices = ", ".join(str(o.get("value")) for o in options_of(element))
            raise ValueError(f"{given!r} is not a choice; pick one of: {choices}")
        state["selected_option"] = option
    elif kind == "checkboxes":
        picked = [find_option(element, g) for g in given.split(",")] if given else None
        state["selected_options"] = [o for o in picked if o] if picked else element.get("initial_options", [])
    elif kind in ("users_select", "conversations_select", "channels_select"):
        field = {"users_select": "selected_user", "channels_select": "selected_channel"}.get(
            str(kind), "selected_conversation"
        )
        state[field] = given
    elif kind == "datepicker":
        state["selected_date"] = given or element.get("initial_date")
    else:  # plain_text_input, number_input, email/url inputs
        state["value"] = given if given is not None else element.get("initial_value")
    return state


def has_value(state: dict[str, Any]) -> bool:
    return any(v not in (None, "", []) for k, v in state.items() if k != "type")


def state_values(surface: Surface, given: dict[str, str]) -> dict[str, Any]:
    """`given` maps an input's action ID (or block ID, or label) to what the person typed."""
    values: dict[str, Any] = {}
    for block in surface.blocks:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        typed = next((v for k, v in given.items() if k.lower() in input_keys(block)), None)
        values[str(block["block_id"])] = {str(element.get("action_id")): _value(element, typed)}
    return values


def missing_required(surface: Surface, values: dict[str, Any]) -> list[str]:
    missing = []
    for block in surface.blocks:
        if block.get("type") == "input" and not block.get("optional"):
            state: Any = next(iter(values.get(str(block["block_id"]), {}).values()), {})
            if not has_value(state):
                missing.append(str((block.get("label") or {}).get("text", block["block_id"])))
    return missing


def view_submission(
    surface: Surface, values: dict[str, Any], user_id: str, name: str, trigger_id: str
) -> dict[str, Any]:
    payload = _base("view_submission", user_id, name, trigger_id)
    view = dict(surface.view or {})
    view["state"] = {"values": values}
    view.setdefault("app_id", APP_ID)
    payload["view"] = view
    payload["response_urls"] = []
    return payload
