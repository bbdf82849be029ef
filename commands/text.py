"""Making user and model text safe for Slack: no accidental pings, no broken formatting, within limits."""

from __future__ import annotations

import re

TRUNCATION_MARK = "… (truncated)"
# Slack's documented maxima for the objects we fill with free text.
SECTION_TEXT_MAX = 3000
FIELD_TEXT_MAX = 2000
CONTEXT_TEXT_MAX = 2000
FALLBACK_TEXT_MAX = 3000
BUTTON_VALUE_MAX = 2000

BROADCASTS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(TRUNCATION_MARK)] + TRUNCATION_MARK


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack parses for mentions and links, and defuse bare broadcasts.

    `<!channel>`, `<@U123>` and `<http://x|y>` become inert once `<`, `>` and `&` are escaped; a word
    joiner after the `@` keeps clients from highlighting a literal "@here".
    """
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = BROADCASTS.sub(lambda m: "@\u2060" + m.group(1), escaped)
    return escaped


def inline_code(text: str) -> str:
    """Show an identifier verbatim in mrkdwn; backticks inside it would end the code span."""
    return "`" + escape_mrkdwn(text.replace("`", "'")) + "`"


def safe_mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> str:
    """Escape, then truncate so the escaped form still fits Slack's limit."""
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    cut = escaped[: limit - len(TRUNCATION_MARK)]
    # Never leave half an entity such as "&am" at the cut.
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + TRUNCATION_MARK


def safe_plain(text: str, limit: int) -> str:
    """plain_text objects are never parsed for mentions or formatting; only the length matters."""
    return truncate(text, limit)
