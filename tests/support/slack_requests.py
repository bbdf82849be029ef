"""Re-export: the request builder ships in the package (the sandbox console uses it too)."""

from bot.standins.slack_requests import TEAM_ID, SlackSender

__all__ = ["TEAM_ID", "SlackSender"]
