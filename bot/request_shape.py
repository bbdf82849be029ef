"""A cheap structural check of a signed Slack request body, before Bolt parses it.

Bolt assumes the shapes Slack sends (an object at the top, `payload` a JSON object, `event` an
object, `actions` a list of objects) and fails with a 500 on anything else. A signed body comes
from someone holding the signing secret, but a 500 pages whoever runs the bot for what is a bad
request; this says why such a body is refused so the app can answer 400 instead.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

# Slack's own payloads nest a dozen levels at most (rich-text blocks); far deeper means a crafted
# body meant to exhaust the parser's (or Bolt's) recursion.
MAX_NESTING = 64
# C0 controls except tab, newline and carriage return, and DEL: NUL cannot be stored in PostgreSQL
# text and the others only confuse the model and Slack's renderer.
_JSON_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_chars(text: str) -> str:
    """User text as it may be stored and shown: without the control characters above."""
    return CONTROL_CHARS.sub("", text)


def clean_strings(value: Any) -> Any:
    """Every string inside a parsed request body, control characters removed (in place for containers).

    Bounded by MAX_NESTING, which malformed_reason() enforced before the body was parsed.
    """
    if isinstance(value, str):
        return strip_control_chars(value)
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = clean_strings(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = clean_strings(item)
    return value


def malformed_reason(body: bytes, content_type: str) -> str | None:
    """Why `body` cannot be a Slack request, or None when its shape is plausible."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if content_type.split(";")[0].strip().lower() == "application/json":
        return _parsed_problem(text, "body")
    form = parse_qs(text, keep_blank_values=True)
    if "payload" not in form:
        return None  # slash commands and ssl_check are flat forms: any values are strings
    return _parsed_problem(form["payload"][0], "payload")


def _parsed_problem(text: str, what: str) -> str | None:
    if _nesting(text) > MAX_NESTING:
        # Checked on the raw text: json.loads itself would hit the recursion limit first.
        return f"{what} is nested too deeply"
    try:
        return _envelope_problem(json.loads(text))
    except (ValueError, RecursionError):
        return f"{what} is not valid JSON"


def _nesting(text: str) -> int:
    """The deepest bracket nesting outside JSON strings, without recursion."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _envelope_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "expected a JSON object"
    for key in ("event", "user", "team", "channel", "view", "message", "container"):
        if key in data and data[key] is not None and not isinstance(data[key], dict):
            return f"`{key}` must be an object"
    actions = data.get("actions")
    if actions is not None and not (
        isinstance(actions, list) and all(isinstance(action, dict) for action in actions)
    ):
        return "`actions` must be a list of objects"
    kind = data.get("type")
    if kind == "block_actions" and not actions:
        return "`actions` must not be empty"
    if kind == "message_action":
        for key in ("channel", "message"):
            if not isinstance(data.get(key), dict):
                return f"a message shortcut needs `{key}`"
    if kind == "view_submission":
        state = (data.get("view") or {}).get("state")
        if not isinstance(state, dict) or not isinstance(state.get("values"), dict):
            return "a view submission needs `view.state.values`"
    return None
