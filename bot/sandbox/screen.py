"""What the person sees: every message, update, modal and App Home the bot sends, rendered as text.

The Slack stand-in reports each accepted call (from its server thread); the screen turns it into
lines and remembers what can be clicked (numbered controls) and which modal is open, so the
console can send the click or submission back exactly as Slack would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.render import Directory, blocks_text, plain

BOT_NAME = "triagebot"


@dataclass
class Surface:
    """Something on screen the bot drew: a channel message, an ephemeral message, a modal, a Home tab."""

    kind: str  # message | ephemeral | modal | home
    channel_id: str | None
    user_id: str | None  # whom an ephemeral message, modal or App Home is for
    ts: str | None
    blocks: list[dict[str, Any]]
    text: str = ""
    view: dict[str, Any] | None = None
    thread_ts: str | None = None
    replaced: bool = False  # a newer version of this message (or modal) is on screen

    def message(self) -> dict[str, Any]:
        """The message as Slack puts it in a block_actions payload."""
        shown: dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": self.text,
            "ts": self.ts,
            "user": "U0STANDINBOT",
            "bot_id": "B0STANDIN",
            "blocks": self.blocks,
        }
        if self.thread_ts:
            shown["thread_ts"] = self.thread_ts
        return shown


@dataclass(frozen=True)
class Control:
    number: int
    element: dict[str, Any]
    block_id: str
    surface: Surface


@dataclass(frozen=True)
class Origin:
    """Where a request with a response URL came from, so replies land (and replace) in the right place."""

    channel_id: str
    user_id: str
    surface: Surface | None


@dataclass
class Screen:
    names: Directory
    controls: dict[int, Control] = field(default_factory=dict)
    modals: list[Surface] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)  # response URL token -> origin
    triggers: dict[str, str] = field(default_factory=dict)  # trigger_id -> who acted
    messages: dict[tuple[str | None, str | None], Surface] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _fake_ts: int = 0

    # ---- what the bot did ----------------------------------------------------------------------

    def show_call(self, method: str, params: dict[str, Any], reply: dict[str, Any] | None) -> list[str]:
        with self.lock:
            if method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
                return self._chat(method, params, reply or {})
            if method == "response_url":
                return self._response_url(params)
            if method in ("views.open", "views.push", "views.update"):
                return self._modal(method, params, reply or {})
            if method == "views.publish":
                return self._home(params, reply or {})
            if method == "files.completeUploadExternal":
                return self._file(params)
            if method == "chat.delete":
                return [self._header(params.get("channel"), "deleted a message")]
            return []

    def show_ack(self, body: dict[str, Any], token: str | None, channel_id: str, user_id: str) -> list[str]:
        """The immediate answer to a command or click (Slack shows it to the person who acted)."""
        with self.lock:
            if not (body.get("text") or body.get("blocks")):
                return []
            origin = self.origins.get(token or "") or Origin(channel_id, user_id, None)
            return self._reply(body, origin, token)

    def _chat(self, method: str, params: dict[str, Any], reply: dict[str, Any]) -> list[str]:
        channel = str(params.get("channel", ""))
        ts = str(reply.get("ts") or reply.get("message_ts") or params.get("ts") or self._next_ts())
        blocks = _list(params.get("blocks"))
        if method == "chat.postEphemeral":
            user = str(params.get("user", ""))
            surface = Surface("ephemeral", channel, user, ts, blocks, str(params.get("text", "")))
            note = f"only visible to {self.names.user(user)}"
        else:
            surface = Surface("message", channel, None, ts, blocks, str(params.get("text", "")))
            surface.thread_ts = params.get("thread_ts")
            note = "updated the message" if method == "chat.update" else ""
            if method == "chat.update" and (old := self.messages.get((channel, ts))) is not None:
                old.replaced = True
                surface.thread_ts = surface.thread_ts or old.thread_ts
            if surface.thread_ts:
                note = (note + ", " if note else "") + "in a thread"
        self.messages[(channel, ts)] = surface
        return [self._header(channel, note), *self._body(surface)]

    def _response_url(self, params: dict[str, Any]) -> list[str]:
        token = str(params.get("_token", ""))
        origin = self.origins.get(token)
        if origin is None:
            return ["── (a reply to a response URL the console did not hand out) ──"]
        if params.get("delete_original"):
            if origin.surface is not None:
                origin.surface.replaced = True
            return [self._header(origin.channel_id, "deleted the message")]
        return self._reply(params, origin, token)

    def _reply(self, body: dict[str, Any], origin: Origin, token: str | None) -> list[str]:
        in_channel = body.get("response_type") == "in_channel"
        replaces = bool(body.get("replace_original")) and origin.surface is not None
        if replaces and origin.surface is not None:
            ts, kind = origin.surface.ts, origin.surface.kind
        else:
            ts, kind = self._next_ts(), "message" if in_channel else "ephemeral"
        blocks = _list(body.get("blocks"))
        user = None if kind == "message" else origin.user_id
        surface = Surface(kind, origin.channel_id, user, ts, blocks, str(body.get("text", "")))
        if replaces and origin.surface is not None:
            origin.surface.replaced = True
        if token:
            # Later replies to the same response URL replace what this one showed.
            self.origins[token] = Origin(origin.channel_id, origin.user_id, surface)
        self.messages[(surface.channel_id, surface.ts)] = surface
        note = "updated the message" if replaces else ""
        if kind == "ephemeral":
            note = (note + ", " if note else "") + f"only visible to {self.names.user(origin.user_id)}"
        return [self._header(origin.channel_id, note), *self._body(surface)]

    def _modal(self, method: str, params: dict[str, Any], reply: dict[str, Any]) -> list[str]:
        view = dict(reply.get("view") or {})
        sent = _dict(params.get("view"))
        # The stand-in echoes what it needs; the rest (submit label, notify_on_close) comes from the call.
        view = {**sent, **{k: v for k, v in view.items() if v is not None}}
        blocks = [dict(b) for b in view.get("blocks") or []]
        for i, block in enumerate(blocks):
            # Slack gives input blocks without an ID a generated one; submissions are keyed by it.
            if block.get("type") == "input" and not block.get("block_id"):
                block["block_id"] = f"sandbox_input_{i}"
        view["blocks"] = blocks
        user = self.triggers.get(str(params.get("trigger_id")))
        if user is None and self.modals:
            user = self.modals[-1].user_id
        surface = Surface("modal", None, user, None, blocks, view=view)
        if method == "views.update" and self.modals:
            position = next(
                (i for i, m in enumerate(self.modals) if (m.view or {}).get("id") == view.get("id")),
                len(self.modals) - 1,
            )
            surface.user_id = self.modals[position].user_id
            self.modals[position].replaced = True
            self.modals[position] = surface
        else:
            self.modals.append(surface)
        return self.modal_lines(surface, "updated" if method == "views.update" else "opened")

    def modal_lines(self, surface: Surface, verb: str) -> list[str]:
        view = surface.view or {}
        title = plain(view.get("title"), self.names) or "Modal"
        who = self.names.user(surface.user_id) if surface.user_id else "you"
        lines = [f"── modal {verb} for {who}: {title} ──", *self._body(surface)]
        submit = plain(view.get("submit"), self.names) or "Submit"
        keys = [
            (b.get("element") or {}).get("action_id") or b.get("block_id")
            for b in surface.blocks
            if b.get("type") == "input"
        ]
        if keys:
            example = " ".join(f"{k}=…" for k in keys)
            lines.append(f"  → type `submit {example}` to press “{submit}”, or `cancel`")
        else:
            lines.append(f"  → type `submit` to press “{submit}”, or `cancel`")
        return lines

    def _home(self, params: dict[str, Any], reply: dict[str, Any]) -> list[str]:
        view = dict((reply.get("view") or {}) | _dict(params.get("view")))
        view["id"] = (reply.get("view") or {}).get("id", view.get("id"))
        user = str(params.get("user_id", ""))
        surface = Surface("home", None, user, None, list(view.get("blocks") or []), view=view)
        if (old := self.messages.get(("home", user))) is not None:
            old.replaced = True
        self.messages[("home", user)] = surface
        return [f"── App Home of {self.names.user(user)} ──", *self._body(surface)]

    def _file(self, params: dict[str, Any]) -> list[str]:
        files = _list(params.get("files"))
        titles = ", ".join(str(f.get("title") or f.get("id")) for f in files if isinstance(f, dict))
        note = "in a thread" if params.get("thread_ts") else ""
        lines = [self._header(params.get("channel_id"), note)]
        if params.get("initial_comment"):
            lines.append("  " + str(params["initial_comment"]))
        lines.append(f"  [file uploaded: {titles or 'a file'}]")
        return lines

    def newest_control(self, control: Control) -> int | None:
        """The same control (same action ID) on the newest version of the message, if it still has one."""
        for n in sorted(self.controls, reverse=True):
            other = self.controls[n]
            if (
                not other.surface.replaced
                and other.surface.kind == control.surface.kind
                and (other.surface.channel_id, other.surface.ts)
                == (control.surface.channel_id, control.surface.ts)
                and other.element.get("action_id") == control.element.get("action_id")
            ):
                return n
        return None

    def why_not_clickable(self, control: Control, user_id: str) -> str | None:
        """Why Slack would not let this person press this control now, or None."""
        surface, n = control.surface, control.number
        if surface.replaced:
            newer = self.newest_control(control)
            where = f"; its newest version has it as [{newer}]" if newer else ""
            return f"[{n}] is on a message that has since changed{where}"
        if surface.kind == "modal" and surface not in self.modals:
            return f"[{n}] is in a modal that is closed"
        if surface.kind in ("ephemeral", "modal", "home") and surface.user_id not in (None, user_id):
            owner = self.names.user(surface.user_id)
            return f"[{n}] is only visible to {owner}; `as {owner[1:]}` to click it"
        return None

    # ---- helpers -------------------------------------------------------------------------------

    def _header(self, channel_id: Any, note: str) -> str:
        where = self.names.channel(str(channel_id)) if channel_id else "(no channel)"
        return f"── {where} ── {BOT_NAME}" + (f" · {note}" if note else "") + " ──"

    def _body(self, surface: Surface) -> list[str]:
        def number(element: dict[str, Any], block_id: str) -> int:
            n = len(self.controls) + 1
            self.controls[n] = Control(n, element, block_id, surface)
            return n

        return blocks_text(surface.blocks, surface.text, number, self.names)

    def _next_ts(self) -> str:
        self._fake_ts += 1
        return f"1800000000.{self._fake_ts:06d}"


def _list(value: object) -> list[Any]:
    """A payload field that should be a list; anything else counts as empty."""
    return value if isinstance(value, list) else []


def _dict(value: object) -> dict[str, Any]:
    """A payload field that should be an object; anything else counts as empty."""
    return value if isinstance(value, dict) else {}
