"""The /digest command (scheduled digests are posted by bot/schedule through publisher.py)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from commands.digest.slash import digest_command
from commands.ids import SlashCommand


def register(app: AsyncApp) -> None:
    app.command(SlashCommand.DIGEST)(digest_command)
