"""/model <subcommand>: a small public registry so other areas can add subcommands of their own.

Stable API: `register_subcommand(name, handler, usage, help)`, with
`async def handler(args: str, command: dict, ack, client, context) -> None`. The handler
must ack (within Slack's 3 seconds). `SUBCOMMANDS` feeds `/model help`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from commands import text
from commands.block_kit import as_dicts

SubcommandHandler = Callable[[str, dict[str, Any], AsyncAck, AsyncWebClient, dict], Awaitable[None]]
DEFAULT_SUBCOMMAND = "status"


@dataclass(frozen=True)
class Subcommand:
    name: str
    handler: SubcommandHandler
    usage: str  # e.g. "/model history [n]"
    help: str  # one sentence


SUBCOMMANDS: dict[str, Subcommand] = {}


def register_subcommand(name: str, handler: SubcommandHandler, usage: str, help: str) -> None:
    key = name.strip().lower()
    if not key or " " in key:
        raise ValueError(f"subcommand names are single words, got {name!r}")
    existing = SUBCOMMANDS.get(key)
    if existing is not None and existing.handler is not handler:
        raise ValueError(f"/model {key} is already registered by {existing.handler.__module__}")
    SUBCOMMANDS[key] = Subcommand(key, handler, usage, help)


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


async def model_command(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: dict
) -> None:
    name, args = split_subcommand(command.get("text"))
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        await ack(response_type="ephemeral", text=help_text(), blocks=as_dicts(help_blocks(unknown=name)))
        return
    await sub.handler(args, command, ack, client, context)


def help_blocks(unknown: str | None = None) -> list[Block]:
    # "help" last, after subcommands other areas registered later (such as `eval`).
    ordered = sorted(SUBCOMMANDS.values(), key=lambda sub: sub.name == "help")
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


def help_text() -> str:
    return "/model subcommands: " + ", ".join(SUBCOMMANDS)


async def help_subcommand(
    args: str,
    command: dict[str, Any],
    ack: AsyncAck,
    client: AsyncWebClient,
    context: dict,
) -> None:
    await ack(response_type="ephemeral", text=help_text(), blocks=as_dicts(help_blocks()))
