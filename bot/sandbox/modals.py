"""Filling in and submitting a modal from the console, and what Slack does with the app's answer."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from bot.sandbox import payloads
from bot.sandbox.render import options_of
from bot.sandbox.screen import Screen, Surface


def inputs_of(modal: Surface) -> list[dict[str, Any]]:
    return [b for b in modal.blocks if b.get("type") == "input"]


def key_of(block: dict[str, Any]) -> str:
    return str((block.get("element") or {}).get("action_id") or block["block_id"])


def parse_fields(rest: str, modal: Surface) -> dict[str, str]:
    """`key=value …` (quoted as in a shell); with a single input, the whole text is its value."""
    if not rest:
        return {}
    inputs = inputs_of(modal)
    if len(inputs) == 1 and "=" not in rest.split(" ", 1)[0]:
        return {key_of(inputs[0]): rest}
    fields: dict[str, str] = {}
    for word in shlex.split(rest):
        key, sep, value = word.partition("=")
        if not sep:
            raise ValueError(f"write fields as key=value (got {word!r})")
        fields[field_key(key, inputs)] = value
    return fields


def field_key(typed: str, inputs: list[dict[str, Any]]) -> str:
    """The input a typed key means: its action ID, block ID or label, or the one input ending in it."""
    typed = typed.lower()
    exact = [b for b in inputs if typed in payloads.input_keys(b)]
    near = exact or [b for b in inputs if any(k.endswith("_" + typed) for k in payloads.input_keys(b))]
    if len(near) == 1:
        return key_of(near[0])
    known = ", ".join(sorted(key_of(b) for b in inputs)) or "none"
    raise ValueError(f"the modal has no field {typed!r}; its fields: {known}")


def ask_fields(modal: Surface, ask: Callable[[str], str] = input) -> dict[str, str]:
    """Prompt for each input in turn, as the modal shows them; Enter keeps what is there."""
    given: dict[str, str] = {}
    for block in inputs_of(modal):
        element = block.get("element") or {}
        label = str((block.get("label") or {}).get("text", block["block_id"]))
        choices = " | ".join(str(o.get("value")) for o in options_of(element))
        current = (element.get("initial_option") or {}).get("value") or element.get("initial_value")
        hint = f" ({choices})" if choices else ""
        hint += f" [{current}]" if current else (" [optional]" if block.get("optional") else "")
        answer = ask(f"  {label}{hint}: ").strip()
        if answer:
            given[key_of(block)] = answer
    return given


def after_submission(screen: Screen, modal: Surface, body: dict[str, Any]) -> list[str]:
    """Apply the app's response_action (errors, update, push, clear) to the open modals."""
    action = body.get("response_action")
    with screen.lock:
        if action == "errors":
            labels = {
                str(b.get("block_id")): str((b.get("label") or {}).get("text", "")) for b in modal.blocks
            }
            errors = [f"  ✗ {labels.get(k) or k}: {v}" for k, v in (body.get("errors") or {}).items()]
            return ["  The modal stays open:", *errors]
        if action in ("update", "push"):
            view = body.get("view") or {}
            surface = Surface("modal", None, modal.user_id, None, list(view.get("blocks") or []), view=view)
            if action == "update" and modal in screen.modals:
                modal.replaced = True
                screen.modals[screen.modals.index(modal)] = surface
            else:
                screen.modals.append(surface)
            return screen.modal_lines(surface, "changed")
        for closed in list(screen.modals) if action == "clear" else [modal]:
            closed.replaced = True
            if closed in screen.modals:
                screen.modals.remove(closed)
    return ["  (modal submitted and closed)"]
