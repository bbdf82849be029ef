"""A cheap structural check of a signed Slack request body, before Bolt parses it.

Bolt assumes the shapes Slack sends (an object at the top, `payload` a JSON object, `event` an
object, `actions` a list of objects) and fails with a 500 on anything else. A signed body comes
from someone holding the signing secret, but a 500 pages whoever runs the bot for what is a bad
request; this says why such a body is refused so the app can answer 400 instead.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs


def malformed_reason(body: bytes, content_type: str) -> str | None:
    """Why `body` cannot be a Slack request, or None when its shape is plausible."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if content_type.split(";")[0].strip().lower() == "application/json":
        try:
            return _envelope_problem(json.loads(text))
        except ValueError:
            return "body is not valid JSON"
    form = parse_qs(text, keep_blank_values=True)
    if "payload" not in form:
        return None  # slash commands and ssl_check are flat forms: any values are strings
    try:
        return _envelope_problem(json.loads(form["payload"][0]))
    except ValueError:
        return "payload is not valid JSON"


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
    return None
