"""Triage listeners: the /triage command, the "Triage message" shortcut, @mentions, and sharing."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from commands.ids import Action, Event, Shortcut, SlashCommand
from commands.triage.mention import triage_mention
from commands.triage.share import share_triage
from commands.triage.shortcut import triage_message_shortcut
from commands.triage.slash import triage_command


def register(app: AsyncApp) -> None:
    app.command(SlashCommand.TRIAGE)(triage_command)
    app.message_shortcut(Shortcut.TRIAGE_MESSAGE)(triage_message_shortcut)
    app.event(Event.APP_MENTION)(triage_mention)
    app.action(Action.SHARE_TRIAGE)(share_triage)
