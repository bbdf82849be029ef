"""Answers of the Slack Web API methods the stand-in knows, as pure functions of the call.

Each answer carries the fields slack_sdk and Bolt read (``ts``, ``channel``, ``view.id``,
``upload_url``...) with plausible values. Before any of that, like Slack, a call is held to the
token's scopes, then to the conversation (exists for the bot? bot a member?), then to Block Kit's
limits. Conversations and messages live in ``ctx.world``, which the caller locks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.standins.slack_blockkit import MAX_TEXT, blocks_problem, view_problem
from bot.standins.slack_scopes import missing_scope
from bot.standins.slack_world import World

__all__ = ["Context", "Identity", "answer", "next_ts"]

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
    enterprise_id: str | None = None  # set: a workspace of an Enterprise Grid org


@dataclass(frozen=True)
class Context:
    identity: Identity
    base_url: str  # where the calling client reached the stand-in
    usergroups: Mapping[str, list[str]]
    world: World
    scopes: Sequence[str]
    next_id: Callable[[], int]  # unique and increasing across the stand-in's lifetime


def _error(error: str) -> Reply:
    return {"ok": False, "error": error}


def next_ts(next_id: Callable[[], int]) -> str:
    micros = _TS_EPOCH_MICROS + next_id() * 100
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def _ts(ctx: Context) -> str:
    return next_ts(ctx.next_id)


def _channel_problem(
    params: Mapping[str, Any], ctx: Context, method: str, key: str = "channel"
) -> Reply | None:
    channel = str(params.get(key) or "")
    refusal = ctx.world.refusal(method, channel, scopes=ctx.scopes, user=params.get("user"))
    return None if refusal is None else _error(refusal)


def _content_problem(params: Mapping[str, Any]) -> Reply | None:
    """Slack's refusal of a message's text or blocks, with the reason in ``errors`` as Slack gives it."""
    if len(str(params.get("text") or "")) > MAX_TEXT:
        return {"ok": False, "error": "msg_too_long", "errors": [f"text is over {MAX_TEXT} characters"]}
    if "blocks" in params and (problem := blocks_problem(params["blocks"])):
        return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
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
        **({"enterprise_id": me.enterprise_id} if me.enterprise_id else {}),
    }


def _post_message(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx, "chat.postMessage"):
        return problem
    if not any(params.get(key) for key in ("text", "blocks", "attachments")):
        return _error("no_text")
    if problem := _content_problem(params):
        return problem
    ts = _ts(ctx)
    message = _message(params, ctx, ts)
    ctx.world.store(str(params["channel"]), message)
    return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}


def _post_ephemeral(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx, "chat.postEphemeral"):
        return problem
    if not params.get("user"):
        return _error("user_not_in_channel")
    if problem := _content_problem(params):
        return problem
    return {"ok": True, "message_ts": _ts(ctx)}


def _update(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx, "chat.update"):
        return problem
    if problem := _content_problem(params):
        return problem
    ts = str(params.get("ts") or "")
    if not ctx.world.find(str(params["channel"]), ts):
        return _error("message_not_found")  # only messages in that channel can be edited
    ctx.world.update(str(params["channel"]), ts, params)
    reply = {"ok": True, "channel": params["channel"], "ts": ts, "text": params.get("text", "")}
    return {**reply, "message": _message(params, ctx, ts)}


def _delete(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx, "chat.delete"):
        return problem
    if not ctx.world.find(str(params["channel"]), str(params.get("ts") or "")):
        return _error("message_not_found")
    ctx.world.delete(str(params["channel"]), str(params["ts"]))
    return {"ok": True, "channel": params["channel"], "ts": params["ts"]}


def _permalink(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx, "chat.getPermalink"):
        return problem
    ts = str(params.get("message_ts", ""))
    link = f"https://standin.slack.com/archives/{params['channel']}/p{ts.replace('.', '')}"
    return {"ok": True, "channel": params["channel"], "permalink": link}


def _view(params: Mapping[str, Any], ctx: Context) -> Reply:
    view = params.get("view")
    if problem := view_problem(view):
        return {"ok": False, "error": "invalid_arguments", "errors": [problem]}
    assert isinstance(view, dict)  # view_problem refuses anything else
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
    if problem := _channel_problem(params, ctx, "conversations.info"):
        return problem
    channel = ctx.world.channel(str(params["channel"]))
    assert channel is not None  # _channel_problem answered channel_not_found otherwise
    return {"ok": True, "channel": channel.info()}


def _join(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx, "conversations.join"):
        return problem
    channel = ctx.world.channel(str(params["channel"]))
    assert channel is not None
    if channel.kind != "public":
        return _error("method_not_supported_for_channel_type")
    channel.bot_member = True
    return {"ok": True, "channel": channel.info()}


def _replies(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx, "conversations.replies"):
        return problem
    thread = ctx.world.thread(str(params["channel"]), str(params.get("ts") or ""))
    if thread is None:
        return _error("thread_not_found")
    return {"ok": True, "messages": thread, "has_more": False, "response_metadata": {"next_cursor": ""}}


def _history(params: Mapping[str, Any], ctx: Context) -> Reply:
    if problem := _channel_problem(params, ctx, "conversations.history"):
        return problem
    inclusive = str(params.get("inclusive", "")).lower() in ("1", "true")
    latest = float(params.get("latest") or "inf")
    oldest = float(params.get("oldest") or 0)

    def within(message: Mapping[str, Any]) -> bool:
        ts = float(message["ts"])
        if inclusive:
            return oldest <= ts <= latest
        return oldest < ts < latest

    messages = [m for m in ctx.world.history(str(params["channel"])) if within(m)]
    limit = int(params.get("limit") or 100)
    return {
        "ok": True,
        "messages": messages[:limit],
        "has_more": len(messages) > limit,
        "pin_count": 0,
        "response_metadata": {"next_cursor": ""},
    }


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
    if params.get("channel_id") and (
        problem := _channel_problem(params, ctx, "files.completeUploadExternal", key="channel_id")
    ):
        return problem
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
    "conversations.join": _join,
    "conversations.replies": _replies,
    "conversations.history": _history,
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
    channel = str(params.get("channel") or params.get("channel_id") or "")
    if refusal := missing_scope(method, ctx.world.kind(channel), ctx.scopes):
        return dict(refusal)
    return handler(params, ctx)
