"""/model <subcommand>: one table of subcommands, built explicitly when the app is wired
(`commands.model_subcommands()`), so every area adds its own without an import side effect.

`SubcommandTable.add(name, handler, usage, help)`, with
`async def handler(args: str, command: dict, ack, client, context) -> None`. The handler
must ack (within Slack's 3 seconds). The table also feeds `/model help`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from commands import text

SubcommandHandler = Callable[[str, dict[str, Any], AsyncAck, AsyncWebClient, dict], Awaitable[None]]
DEFAULT_SUBCOMMAND = "status"


@dataclass(frozen=True)
class Subcommand:
    name: str
    handler: SubcommandHandler
    usage: str  # e.g. "/model history [n]"
    help: str  # one sentence


class SubcommandTable:
    """The /model subcommands in the order they were added (`/model help` lists "help" last)."""

    def __init__(self) -> None:
        self._subcommands: dict[str, Subcommand] = {}

    def add(self, name: str, handler: SubcommandHandler, usage: str, help: str) -> None:
        key = name.strip().lower()
        if not key or " " in key:
            raise ValueError(f"subcommand names are single words, got {name!r}")
        existing = self._subcommands.get(key)
        if existing is not None and existing.handler != handler:
            raise ValueError(f"/model {key} is already registered by {existing.handler.__module__}")
        self._subcommands[key] = Subcommand(key, handler, usage, help)

    def __iter__(self) -> Iterator[str]:
        return iter(self._subcommands)

    async def model_command(
        self, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: dict
    ) -> None:
        """The /model listener: the named subcommand, or the help with a word about the unknown name."""
        name, args = split_subcommand(command.get("text"))
        sub = self._subcommands.get(name)
        if sub is None:
            await ack(response_type="ephemeral", text=self.help_text(), blocks=self.help_blocks(unknown=name))
            return
        await sub.handler(args, command, ack, client, context)

    def help_blocks(self, unknown: str | None = None) -> list[Block]:
        return help_blocks(list(self._subcommands.values()), unknown)

    def help_text(self) -> str:
        return "/model subcommands: " + ", ".join(self._subcommands)

    async def help_subcommand(
        self,
        args: str,
        command: dict[str, Any],
        ack: AsyncAck,
        client: AsyncWebClient,
        context: dict,
    ) -> None:
        await ack(response_type="ephemeral", text=self.help_text(), blocks=self.help_blocks())


# `<model-id> [on <endpoint>]`, both optional, the ID optionally in backticks (as Slack users paste it).
_MODEL_REF = re.compile(r"(?:`?(?P<model>[^\s`]+)`?(?:\s+on\s+(?P<endpoint>\S+))?)?", re.IGNORECASE)


def parse_model_ref(args: str) -> tuple[str | None, str | None] | None:
    """(model ID, endpoint) from a subcommand's arguments, None where absent; None when the
    arguments are not of that shape (each subcommand words its own usage)."""
    match = _MODEL_REF.fullmatch(args.strip())
    return None if match is None else (match["model"], match["endpoint"])


def split_subcommand(command_text: str | None) -> tuple[str, str]:
    parts = (command_text or "").strip().split(None, 1)
    if not parts:
        return DEFAULT_SUBCOMMAND, ""
    return parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""


def help_blocks(subcommands: list[Subcommand], unknown: str | None = None) -> list[Block]:
    # "help" last, after subcommands other areas added later (such as `eval`).
    ordered = sorted(subcommands, key=lambda sub: sub.name == "help")
    lines = [f"{text.inline_code(sub.usage)}  {sub.help}" for sub in ordered]
    blocks: list[Block] = []
    if unknown:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"There is no `/model {text.escape_mrkdwn(text.truncate(unknown, 40))}`. Here is what there is:"
                )
            )
        )
    blocks.append(
        SectionBlock(text=MarkdownTextObject(text="*/model: the live triage model*\n" + "\n".join(lines)))
    )
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Switches and non-lead rollbacks need a team lead's approval in the approvals channel."
                )
            ]
        )
    )
    return blocks
