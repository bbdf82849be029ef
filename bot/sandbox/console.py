"""The sandbox console: a person types what they would type in Slack, and sees what Slack would show.

Requests go to the real app signed and shaped as Slack sends them. Whatever the bot says back
(acks, response URLs, chat.*, views.*) arrives through the Slack stand-in and is printed by one
printer thread, in order; while a request is in flight the printer holds back, so the immediate
answer (the ack) is shown before what followed it.
"""

from __future__ import annotations

import queue
import re
import sys
import threading
import time
import uuid
from typing import IO, Any
from urllib.parse import urlencode

import httpx

from bot.sandbox import faults, modals, payloads
from bot.sandbox.render import Directory
from bot.sandbox.screen import Origin, Screen, Surface
from bot.sandbox.world import AGENT, CHANNELS, LEAD, SUPPORT, USERS, World
from bot.standins.slack_api import SlackCall
from bot.standins.slack_requests import SlackSender

QUIET_SECONDS = 0.5  # no Slack traffic for this long after a request: the bot has finished
MAX_WAIT_SECONDS = 20.0

HELP = """\
Type what you would type in Slack:
  /triage <customer message>      triage a message with the live model
  /model, /model list, /model switch <model-id> [reason], /model rollback [reason], /model help
  /digest                         the quality digest, now, just for you
  (any other slash command the bot knows works the same way)
Act in the conversation:
  click N                         press button [N]; for a menu: click N <choice>
  submit key=value …              fill in and submit the open modal (quote values with spaces);
                                  `submit` alone asks for each field (Enter keeps what is there)
  cancel                          close the open modal
  @triagebot <text>               mention the bot in #support
  shortcut <callback_id> <text>   run a message shortcut on a message with that text
  home                            open the bot's App Home tab
Try a failure:
  fault <kind> [times]            the next model call(s) fail: rate-limit, timeout, off-schema,
                                  server-error, overloaded, disconnect
Who you are:
  as lead / as agent / as <name>  act as someone else (lead is the approver)
  who                             list the people in this sandbox
  help, quit"""


class Console:
    def __init__(self, world: World, out: IO[str] | None = None) -> None:
        self.world = world
        self.out = out or sys.stdout
        self.names = Directory(USERS, CHANNELS)
        self.screen = Screen(self.names)
        self.sender = SlackSender(world.app_url, world.signing_secret, self._response_url)
        self.user_id, self.channel_id = AGENT, SUPPORT
        self._events: queue.Queue[tuple[str, dict[str, Any], dict[str, Any] | None] | None] = queue.Queue()
        self._cond = threading.Condition()
        self._holding = False
        self._at_prompt = False
        self._last_activity = time.monotonic()
        self._printer = threading.Thread(target=self._print_loop, name="sandbox-printer", daemon=True)
        world.slack.add_listener(self._on_call)

    # ---- the loop --------------------------------------------------------------------------------

    def run(self) -> int:
        try:
            import readline  # noqa: F401 - input() gains line editing and history once it is loaded
        except ImportError:  # not on every platform; the console works without it
            pass
        self._printer.start()
        try:
            while True:
                with self._cond:
                    self._at_prompt = True
                try:
                    line = input(self.prompt())
                except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C at the prompt: leave cleanly
                    self.say("")
                    return 0
                finally:
                    with self._cond:
                        self._at_prompt = False
                if not self.handle(line.strip()):
                    return 0
        finally:
            self._events.put(None)

    def prompt(self) -> str:
        return f"{self.names.user(self.user_id)} in {self.names.channel(self.channel_id)}> "

    def handle(self, line: str) -> bool:
        """Run one console line; False to quit."""
        if not line:
            return True
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        try:
            if word.startswith("/"):
                self.slash_command(word, rest)
            elif word.lower() in ("quit", "exit", "q"):
                return False
            elif word.lower() == "help":
                self.say(HELP)
            elif word.lower() == "as":
                self.act_as(rest)
            elif word.lower() == "who":
                self.say(self.people())
            elif word.lower() == "click":
                self.click(rest)
            elif word.lower() == "submit":
                self.submit(rest)
            elif word.lower() == "cancel":
                self.cancel()
            elif word.lower() == "home":
                self.open_home()
            elif word.lower() in ("@triagebot", "mention"):
                self.mention(rest)
            elif word.lower() == "shortcut":
                self.shortcut(rest)
            elif word.lower() == "fault":
                attempts = self.world.settings.triage_model_max_retries + 1
                self.say(faults.inject(self.world.openai, faults.plan(rest, attempts)))
            else:
                self.say(f"Not a command: {word!r}. Slash commands start with '/'; type `help` for the rest.")
        except (ValueError, httpx.HTTPError) as exc:
            self.say(f"  ! {exc}")
        return True

    # ---- what a person does ----------------------------------------------------------------------

    def slash_command(self, command: str, text: str) -> None:
        url = self._response_url()
        form = payloads.slash_command(
            command, text, self.user_id, self._name(), self.channel_id, CHANNELS, url, self._trigger()
        )
        body = urlencode(form).encode()
        self._send(
            lambda: self.sender.post(body, "application/x-www-form-urlencoded"), url, f"command {command}"
        )

    def click(self, rest: str) -> None:
        number, _, choice = rest.partition(" ")
        if not number.isdigit():
            raise ValueError("click which one? e.g. `click 2` (the number in [brackets])")
        control = self.screen.controls.get(int(number))
        if control is None:
            raise ValueError(f"there is no [{number}] on screen")
        if problem := self.screen.why_not_clickable(control, self.user_id):
            raise ValueError(problem)
        url = (
            self._response_url(control.surface) if control.surface.kind in ("message", "ephemeral") else None
        )
        payload = payloads.block_actions(
            control, choice.strip() or None, self.user_id, self._name(), self._trigger(), url
        )
        self._send(
            lambda: self.sender.interaction(payload), url, f"action {control.element.get('action_id')}"
        )

    def submit(self, rest: str) -> None:
        modal = self._open_modal()
        given = modals.parse_fields(rest, modal) if rest else modals.ask_fields(modal)
        values = payloads.state_values(modal, given)
        if missing := payloads.missing_required(modal, values):
            raise ValueError(f"Slack would not submit yet: fill in {', '.join(missing)}")
        payload = payloads.view_submission(modal, values, self._acting(modal), self._name(), self._trigger())
        response = self._send(
            lambda: self.sender.interaction(payload), None, "view_submission", show_ack=False
        )
        if response is not None and response.status_code == 200:
            try:
                body = response.json() if response.content else {}
            except ValueError:
                body = {}
            self.say("\n".join(modals.after_submission(self.screen, modal, body)))

    def cancel(self) -> None:
        modal = self._open_modal()
        with self.screen.lock:
            self.screen.modals.remove(modal)
            modal.replaced = True
        if (modal.view or {}).get("notify_on_close"):
            payload = payloads.view_submission(modal, {}, self._acting(modal), self._name(), self._trigger())
            payload["type"] = "view_closed"
            payload["is_cleared"] = False
            self._send(lambda: self.sender.interaction(payload), None, "view_closed", show_ack=False)
        self.say("  (modal closed)")

    def open_home(self) -> None:
        event = {
            "type": "app_home_opened",
            "user": self.user_id,
            "channel": f"D0{self.user_id[2:]}",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        }
        self._send(lambda: self.sender.event(event), None, "App Home")

    def mention(self, text: str) -> None:
        ts = f"{time.time():.6f}"
        self._send(
            lambda: self.sender.mention(text, user_id=self.user_id, channel_id=self.channel_id, ts=ts),
            None,
            "mention",
        )

    def shortcut(self, rest: str) -> None:
        callback_id, _, text = rest.partition(" ")
        if not callback_id or not text.strip():
            raise ValueError("usage: shortcut <callback_id> <message text>, e.g. shortcut triage_message Hi…")
        self._send(
            lambda: self.sender.message_shortcut(
                callback_id, text.strip(), user_id=self.user_id, channel_id=self.channel_id
            )[0],
            None,
            f"shortcut {callback_id}",
        )

    def act_as(self, name: str) -> None:
        name = name.strip().lstrip("@").lower()
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,20}", name):
            raise ValueError("as whom? e.g. `as lead` or `as agent`")
        found = next((uid for uid, known in self.names.users.items() if known == name), None)
        if found is None:
            found = "U0SB" + re.sub(r"[^A-Z0-9]", "", name.upper())[:7]
            self.names.users[found] = name
        self.user_id = found
        role = "a team lead, who approves model switches" if found == LEAD else "not an approver"
        self.say(f"You are now {self.names.user(found)} ({role}).")

    def people(self) -> str:
        lines = ["People in this sandbox:"]
        for user_id, name in self.names.users.items():
            role = "team lead, approver (TRIAGE_APPROVERS)" if user_id == LEAD else "support agent"
            mark = "  ← you" if user_id == self.user_id else ""
            lines.append(f"  @{name:<10} {user_id:<12} {role}{mark}")
        return "\n".join(lines)

    # ---- sending and waiting ---------------------------------------------------------------------

    def _send(
        self, send: Any, response_url: str | None, what: str, *, show_ack: bool = True
    ) -> httpx.Response | None:
        with self._cond:
            self._holding = True
        try:
            response = send()
        finally:
            lines = self._ack_lines(
                response if "response" in locals() else None, response_url, what, show_ack
            )
            with self._cond:
                self._print(lines)
                self._holding = False
                self._last_activity = time.monotonic()
                self._cond.notify_all()
        self._wait_until_quiet()
        return response

    def _ack_lines(
        self, response: httpx.Response | None, response_url: str | None, what: str, show_ack: bool
    ) -> list[str]:
        if response is None:
            return []
        if response.status_code == 404:
            return [f"  ! The bot has no listener for this {what} (Slack would show “dispatch_failed”)."]
        if response.status_code != 200:
            return [f"  ! The bot answered HTTP {response.status_code} to this {what}: {response.text[:200]}"]
        if not show_ack or not response.content:
            return []
        try:
            body = response.json()
        except ValueError:
            body = {"text": response.text}
        token = response_url.rsplit("/", 1)[-1] if response_url else None
        return self.screen.show_ack(body, token, self.channel_id, self.user_id)

    def _wait_until_quiet(self) -> None:
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.05)
            with self._cond:
                idle = time.monotonic() - self._last_activity
            if idle >= QUIET_SECONDS and self._events.empty():
                return

    def _on_call(self, call: SlackCall, reply: dict[str, Any] | None) -> None:
        # Runs in the stand-in's server thread: hand over and return at once.
        with self._cond:
            self._last_activity = time.monotonic()
        self._events.put((call.method, dict(call.params), reply))

    def _print_loop(self) -> None:
        while (item := self._events.get()) is not None:
            with self._cond:
                self._cond.wait_for(lambda: not self._holding)
                lines = self.screen.show_call(*item)
                if lines:
                    late = self._at_prompt
                    self._print(([""] if late else []) + lines)
                    if late:
                        self.out.write(self.prompt())
                        self.out.flush()
                self._last_activity = time.monotonic()

    def _print(self, lines: list[str]) -> None:
        if lines:
            self.out.write("\n".join(lines) + "\n")
            self.out.flush()

    def say(self, text: str) -> None:
        with self._cond:
            self._print([text])

    # ---- helpers ---------------------------------------------------------------------------------

    def _response_url(self, surface: Surface | None = None) -> str:
        url = self.world.slack.response_url("sandbox")
        token = url.rsplit("/", 1)[-1]
        with self.screen.lock:
            self.screen.origins[token] = Origin(self.channel_id, self.user_id, surface)
        return url

    def _trigger(self) -> str:
        trigger = f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:16]}"
        with self.screen.lock:
            self.screen.triggers[trigger] = self.user_id
        return trigger

    def _name(self) -> str:
        return self.names.users[self.user_id]

    def _acting(self, modal: Surface) -> str:
        if modal.user_id and modal.user_id != self.user_id:
            raise ValueError(f"this modal is open for {self.names.user(modal.user_id)}; `as` them first")
        return self.user_id

    def _open_modal(self) -> Surface:
        with self.screen.lock:
            if not self.screen.modals:
                raise ValueError("no modal is open")
            return self.screen.modals[-1]
