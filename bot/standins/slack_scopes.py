"""Which OAuth scopes each Web API method needs, and the scopes app.yaml grants the bot.

Slack checks scopes before anything else: a token without the method's scope gets
``missing_scope`` (with ``needed`` and ``provided``) even when the channel does not exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

import yaml

__all__ = ["ChannelKind", "manifest_bot_scopes", "missing_scope", "needed_scopes"]

ChannelKind = Literal["public", "private", "im", "mpim"]

MANIFEST = Path(__file__).resolve().parents[2] / "app.yaml"

# Methods whose scope depends on the conversation's type: {kind: scope}.
_BY_KIND: dict[str, dict[ChannelKind, str]] = {
    "conversations.info": {
        "public": "channels:read",
        "private": "groups:read",
        "im": "im:read",
        "mpim": "mpim:read",
    },
    **{
        method: {
            "public": "channels:history",
            "private": "groups:history",
            "im": "im:history",
            "mpim": "mpim:history",
        }
        for method in ("conversations.history", "conversations.replies")
    },
}
# Methods with one scope whatever the conversation; absent methods (auth.test, views.*,
# chat.getPermalink) need none.
_FIXED: dict[str, str] = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "conversations.join": "channels:join",
    "usergroups.users.list": "usergroups:read",
    "users.info": "users:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "reactions.add": "reactions:write",
}


def manifest_bot_scopes(path: Path | None = None) -> tuple[str, ...]:
    """The bot scopes app.yaml asks for (``oauth_config.scopes.bot``): what an installed token holds.

    app.yaml is looked for beside the source tree, then in the working directory (the Docker image).
    """
    places = [path] if path is not None else [MANIFEST, Path.cwd() / "app.yaml"]
    for place in places:
        if place.is_file():
            manifest: Any = yaml.safe_load(place.read_text(encoding="utf-8")) or {}
            return tuple(((manifest.get("oauth_config") or {}).get("scopes") or {}).get("bot") or [])
    raise FileNotFoundError(
        f"app.yaml not found at {', '.join(map(str, places))}: pass the token's scopes explicitly"
    )


def needed_scopes(method: str, kind: ChannelKind | None) -> str | None:
    """The scope ``method`` needs on a conversation of ``kind``; None when it needs none."""
    if method in _BY_KIND:
        return _BY_KIND[method][kind or "public"]
    return _FIXED.get(method)


def missing_scope(method: str, kind: ChannelKind | None, granted: Iterable[str]) -> Mapping[str, Any] | None:
    """Slack's refusal when the token lacks the method's scope, else None."""
    needed = needed_scopes(method, kind)
    scopes = list(granted)
    if needed is None or needed in scopes:
        return None
    return {"ok": False, "error": "missing_scope", "needed": needed, "provided": ",".join(scopes)}
