"""Local HTTP stand-ins for the OpenAI API and the Slack Web API (end-to-end tests, sandbox mode)."""

from bot.standins.openai_api import OpenAIStandIn, RecordedRequest
from bot.standins.server import ServedStandIn, run_in_thread
from bot.standins.slack_api import SlackCall, SlackStandIn

__all__ = ["OpenAIStandIn", "RecordedRequest", "ServedStandIn", "SlackCall", "SlackStandIn", "run_in_thread"]
