"""Answers of the Slack Web API methods the stand-in knows, as pure functions of the call.

Each answer carries the fields slack_sdk and Bolt read (``ts``, ``channel``, ``view.id``,
``upload_url``...) with plausible values; everything else about Slack is out of scope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Context", "Identity", "answer"]

# Slack timestamps are "seconds.micros" strings; a fixed epoch keeps them readable in test output.
_TS_EPOCH_MICROS = 1_700_000_000 * 1_000_000

Reply = dict[str, Any]


@dataclass(frozen=True)
class Identity:
    team_id: str
    bot_user_id: str
    bot_id: str
    team: str = "Stand-in Workspace"
    user: str = "triagebot"


@dataclass(frozen=True)
class Context:
    identity: Identity
    base_url: str  # where the calling client reached the stand-in
    usergroups: Mapping[str, list[str]]
    missing_channels: set[str]
    next_id: Callable[[], int]  # unique and increasing across the stand-in's lifetime
    # Seeded messages by (channel, ts), for conversations.replies (H2's minimal stand-in).
    messages: Mapping[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def _error(error: str) -> Reply:
    return {"ok": False, "error": error}


def _ts(ctx: Context) -> str:
    micros = _TS_EPOCH_MICROS + ctx.next_id() * 100
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _channel_problem(params: Mapping[str, Any], ctx: Context, key: str = "channel") -> Reply | None:
    channel = params.get(key)
    if not channel or channel in ctx.missing_channels:
        return _error("channel_not_found")
    return None


def _message(params: Mapping[str, Any], ctx: Context, ts: str) -> dict[str, Any]:
    message = {
        "type": "message",
        "subtype": "bot_message",
        "text": params.get("text", ""),
        "user": ctx.identity.bot_user_id,
        "bot_id": ctx.identity.bot_id,
        "team": ctx.identity.team_id,
        "ts": ts,
    }
    for key in ("blocks", "attachments", "thread_ts", "metadata"):
        if key in params:
            message[key] = params[key]
    return message


def _channel(channel_id: str) -> dict[str, Any]:
    return {
        "id": channel_id,
        "name": f"channel-{channel_id.lower()}",
        "is_channel": True,
        "is_private": False,
        "is_archived": False,
        "is_member": True,
        "created": 1_600_000_000,
    }


def _auth_test(params: Mapping[str, Any], ctx: Context) -> Reply:
    me = ctx.identity
    return {
        "ok": True,
        "url": "https://standin.slack.com/",
        "team": me.team,
        "user": me.user,
        "team_id": me.team_id,
        "user_id": me.bot_user_id,
        "bot_id": me.bot_id,
        "is_enterprise_install": False,
    }


def _post_message(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx):
        return problem
    if not any(params.get(key) for key in ("text", "blocks", "attachments")):
        return _error("no_text")
    ts = _ts(ctx)
    return {"ok": True, "channel": params["channel"], "ts": ts, "message": _message(params, ctx, ts)}


def _post_ephemeral(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx):
        return problem
    if not params.get("user"):
        return _error("user_not_in_channel")
    return {"ok": True, "message_ts": _ts(ctx)}


def _update(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx):
        return problem
    if not params.get("ts"):
        return _error("message_not_found")
    ts = str(params["ts"])
    reply = {"ok": True, "channel": params["channel"], "ts": ts, "text": params.get("text", "")}
    return {**reply, "message": _message(params, ctx, ts)}


def _delete(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx):
        return problem
    if not params.get("ts"):
        return _error("message_not_found")
    return {"ok": True, "channel": params["channel"], "ts": params["ts"]}


def _permalink(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx):
        return problem
    ts = str(params.get("message_ts", ""))
    link = f"https://standin.slack.com/archives/{params['channel']}/p{ts.replace('.', '')}"
    return {"ok": True, "channel": params["channel"], "permalink": link}


def _view(params: Mapping[str, Any], ctx: Context) -> Reply:
    view = params.get("view")
    if not isinstance(view, dict):
        return _error("invalid_arguments")
    view_id = params.get("view_id") or f"V{ctx.next_id():010d}"
    return {
        "ok": True,
        "view": {
            "id": view_id,
            "team_id": ctx.identity.team_id,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{ctx.next_id()}.standin",
            "root_view_id": view_id,
            "previous_view_id": None,
            "bot_id": ctx.identity.bot_id,
        },
    }


def _conversation(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx):
        return problem
    return {"ok": True, "channel": _channel(str(params["channel"]))}


def _replies(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx):
        return problem
    parent = ctx.messages.get((str(params["channel"]), str(params.get("ts", ""))))
    if parent is None:
        return _error("thread_not_found")
    return {"ok": True, "messages": [parent], "has_more": False}


def _usergroup_users(params: Mapping[str, Any], ctx: Context) -> Reply:
    users = ctx.usergroups.get(str(params.get("usergroup", "")))
    if users is None:
        return _error("no_such_subteam")
    return {"ok": True, "users": list(users)}


def _user_info(params: Mapping[str, Any], ctx: Context) -> Reply:
    user_id = str(params.get("user", ""))
    if not user_id:
        return _error("user_not_found")
    name = f"user-{user_id.lower()}"
    profile = {"real_name": f"User {user_id}", "display_name": name, "email": f"{name}@example.com"}
    user = {
        "id": user_id,
        "team_id": ctx.identity.team_id,
        "name": name,
        "real_name": profile["real_name"],
        "deleted": False,
        "is_bot": user_id == ctx.identity.bot_user_id,
        "tz": "Etc/UTC",
        "tz_offset": 0,
        "profile": profile,
    }
    return {"ok": True, "user": user}


def _upload_url(params: Mapping[str, Any], ctx: Context) -> Reply:
    if not params.get("filename") or not str(params.get("length", "")).isdigit():
        return _error("invalid_arguments")
    file_id = f"F{ctx.next_id():010d}"
    return {"ok": True, "file_id": file_id, "upload_url": f"{ctx.base_url}/upload/{file_id}"}


def _complete_upload(params: Mapping[str, Any], ctx: Context) -> Reply:
    files = params.get("files")
    if (
        not isinstance(files, list)
        or not files
        or not all(isinstance(f, dict) and f.get("id") for f in files)
    ):
        return _error("invalid_arguments")
    if params.get("channel_id") and params["channel_id"] in ctx.missing_channels:
        return _error("channel_not_found")
    return {"ok": True, "files": [{"id": f["id"], "title": f.get("title") or ""} for f in files]}


def _ok(params: Mapping[str, Any], ctx: Context) -> Reply:
    return {"ok": True}


_METHODS: dict[str, Callable[[Mapping[str, Any], Context], Reply]] = {
    "auth.test": _auth_test,
    "chat.postMessage": _post_message,
    "chat.postEphemeral": _post_ephemeral,
    "chat.update": _update,
    "chat.delete": _delete,
    "chat.getPermalink": _permalink,
    "views.open": _view,
    "views.publish": _view,
    "views.update": _view,
    "views.push": _view,
    "conversations.info": _conversation,
    "conversations.join": _conversation,
    "conversations.replies": _replies,
    "usergroups.users.list": _usergroup_users,
    "users.info": _user_info,
    "files.getUploadURLExternal": _upload_url,
    "files.completeUploadExternal": _complete_upload,
    "reactions.add": _ok,
}


def answer(method: str, params: Mapping[str, Any], ctx: Context) -> Reply:
    """The reply to one Web API call; ``{"ok": false, "error": "unknown_method"}`` for the rest."""
    handler = _METHODS.get(method)
    if handler is None:
        return _error("unknown_method")
    return handler(params, ctx)
