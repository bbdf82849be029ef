"""The customer's words in a Slack message, wherever the posting app put them.

People type into `text`; integrations (help desks, forms, email bridges) put their content in
Block Kit `blocks`, in legacy `attachments` or in `files`, often repeating it in `text` and in an
attachment's `fallback`. This reads all four in that order, in reading order, drops repeats, and
turns Slack's markup (`<@U…>`, `<#C…|name>`, `<http://…|label>`, `&amp;`) into plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

NOTHING_READABLE = "This message has no text I can read; paste it with `/triage`."

_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(\|[^>]*)?>\s*")
# <@U123>, <@U123|name>, <#C123|general>, <!here>, <!subteam^S1|@team>, <http://x|label>, <mailto:…>
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_SPACES = re.compile(r"\s+")
# A snippet's preview is plain text; an image's or a PDF's is not the customer's words.
_TEXT_FILETYPES = frozenset({"text", "txt", "csv", "markdown", "post", "email", "json", "xml", "log"})


def customer_words(message: dict[str, Any]) -> str:
    """Everything readable in `message`, de-duplicated, one piece per paragraph; "" when nothing is."""
    pieces: list[str] = []
    # Normalised text kept so far: a piece already inside it, as whole words, adds nothing.
    seen = " "
    for piece in _pieces(message):
        piece = piece.strip()
        key = _normalise(piece)
        if not key or f" {key} " in seen:
            continue
        pieces.append(piece)
        seen += key + " "
    return "\n".join(pieces)


def readable(markup: str) -> str:
    """Slack mrkdwn with its references and entities turned into the words a person would see."""
    return _unescape(_MARKUP.sub(_reference, markup))


def _reference(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith("@"):  # user: label is the name Slack adds in some payloads
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):  # <!here>, <!subteam^S1|@team>, <!date^…|fallback>
        if label:
            return label
        return "@" + target[1:].split("^", 1)[0]
    if target.startswith("mailto:"):
        return label or target.removeprefix("mailto:")
    if label and label != target:
        return f"{label} ({target})"
    return target


def _unescape(text: str) -> str:
    # Slack escapes exactly these three; &amp; last so "&amp;lt;" stays the literal "&lt;".
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip().casefold()


def _pieces(message: dict[str, Any]) -> Iterator[str]:
    yield readable(_str(message.get("text")))
    yield from _blocks(message.get("blocks"))
    for attachment in _dicts(message.get("attachments")):
        yield from _attachment(attachment)
    for file in _dicts(message.get("files")):
        yield from _file(file)


def _blocks(blocks: Any) -> Iterator[str]:
    for block in _dicts(blocks):
        kind = block.get("type")
        if kind == "rich_text":
            for element in _dicts(block.get("elements")):
                yield from _rich_text(element)
        elif kind in ("section", "header"):
            yield _text_object(block.get("text"))
            for field in _dicts(block.get("fields")):
                yield _text_object(field)
        elif kind == "context":
            yield " ".join(_text_object(element) for element in _dicts(block.get("elements")))


def _rich_text(element: dict[str, Any]) -> Iterator[str]:
    """rich_text_section/preformatted/quote are paragraphs; a list is one paragraph per item."""
    if element.get("type") == "rich_text_list":
        for item in _dicts(element.get("elements")):
            yield from _rich_text(item)
        return
    yield "".join(_inline(child) for child in _dicts(element.get("elements")))


def _inline(element: dict[str, Any]) -> str:
    kind = element.get("type")
    if kind == "text":
        return _str(element.get("text"))
    if kind == "link":
        url, label = _str(element.get("url")), _str(element.get("text"))
        return f"{label} ({url})" if label and label != url else url
    if kind == "user":
        return "@" + _str(element.get("user_id"))
    if kind == "channel":
        return "#" + _str(element.get("channel_id"))
    if kind == "usergroup":
        return "@" + _str(element.get("usergroup_id"))
    if kind == "broadcast":
        return "@" + _str(element.get("range"))
    if kind == "emoji":
        return f":{_str(element.get('name'))}:"
    if kind == "date":
        return _str(element.get("fallback"))
    if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
        return "".join(_inline(child) for child in _dicts(element.get("elements")))
    return ""


def _text_object(obj: Any) -> str:
    if not isinstance(obj, dict):
        return ""
    value = _str(obj.get("text"))
    return readable(value) if obj.get("type") == "mrkdwn" else _unescape(value)


def _attachment(attachment: dict[str, Any]) -> Iterator[str]:
    for key in ("pretext", "author_name", "title", "text"):
        yield readable(_str(attachment.get(key)))
    for field in _dicts(attachment.get("fields")):
        title, value = readable(_str(field.get("title"))), readable(_str(field.get("value")))
        yield f"{title}: {value}" if title and value else title or value
    yield from _blocks(attachment.get("blocks"))
    # Last: it usually repeats the above, and then adds nothing.
    yield readable(_str(attachment.get("fallback")))


def _file(file: dict[str, Any]) -> Iterator[str]:
    yield _str(file.get("title"))
    yield _str(file.get("name"))
    is_text = file.get("mode") == "snippet" or _str(file.get("filetype")) in _TEXT_FILETYPES
    if is_text or _str(file.get("mimetype")).startswith("text/"):
        yield _str(file.get("preview"))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def mention_words(event: dict[str, Any]) -> str:
    """What follows the leading @mention, plus any attachments or files that came with it.

    The event's `blocks` repeat `text` with the mention in it, so they are left out.
    """
    text = _LEADING_MENTION.sub("", _str(event.get("text")), count=1)
    return customer_words(
        {"text": text, "attachments": event.get("attachments"), "files": event.get("files")}
    )


def posted_by(message: dict[str, Any], *, bot_id: str | None, bot_user_id: str | None) -> bool:
    """Whether this app posted `message` (its results, its hints): there is nothing there to triage."""
    return bool(bot_id and message.get("bot_id") == bot_id) or bool(
        bot_user_id and message.get("user") == bot_user_id
    )
