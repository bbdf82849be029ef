"""Block Kit to terminal text: what a person would see in Slack, with every control numbered for `click N`."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

WIDTH = 96
COLUMN = 46
# Numbers a control (button, select, overflow) and returns its number; the caller remembers it.
Numberer = Callable[[dict[str, Any], str], int]

EMOJI = {
    "red_circle": "🔴",
    "large_orange_circle": "🟠",
    "large_yellow_circle": "🟡",
    "large_green_circle": "🟢",
    "white_circle": "⚪",
    "warning": "⚠️",
    "rotating_light": "🚨",
    "hourglass_flowing_sand": "⏳",
    "hourglass": "⌛",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "no_entry": "⛔",
    "no_entry_sign": "🚫",
    "rewind": "⏪",
    "arrows_counterclockwise": "🔄",
    "repeat": "🔁",
    "bar_chart": "📊",
    "chart_with_upwards_trend": "📈",
    "chart_with_downwards_trend": "📉",
    "information_source": "\u2139\ufe0f",
    "bulb": "💡",
    "tada": "🎉",
    "rocket": "🚀",
    "eyes": "👀",
    "mag": "🔍",
    "calendar": "📅",
    "clipboard": "📋",
    "robot_face": "🤖",
    "thumbsup": "👍",
    "+1": "👍",
    "thumbsdown": "👎",
    "-1": "👎",
    "lock": "🔒",
    "pencil": "✏️",
    "pencil2": "✏️",
    "memo": "📝",
    "test_tube": "🧪",
    "new": "🆕",
    "skull": "💀",
}

_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")


class Directory:
    """Slack IDs to the names people know, for `<@U…>` and `<#C…>`."""

    def __init__(self, users: Mapping[str, str], channels: Mapping[str, str]) -> None:
        self.users = dict(users)
        self.channels = dict(channels)

    def user(self, user_id: str) -> str:
        return "@" + self.users.get(user_id, user_id)

    def channel(self, channel_id: str) -> str:
        return "#" + self.channels.get(channel_id, channel_id)


def mrkdwn(text: str, names: Directory) -> str:
    """Slack's markup as a terminal shows it: mentions resolved, entities decoded, emoji drawn."""

    def link(match: re.Match[str]) -> str:
        target, label = match.group(1), match.group(2)
        if target.startswith("@"):
            return names.user(target[1:])
        if target.startswith("#"):
            return "#" + label if label else names.channel(target[1:])
        if target.startswith("!"):
            special = target[1:].split("^")[0]
            return label or ("@" + special if special in ("here", "channel", "everyone") else special)
        return f"{label} ({target})" if label else target

    text = _LINK.sub(link, text)
    text = _BOLD.sub(r"\1", text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain(obj: Any, names: Directory) -> str:
    """A text object (plain_text or mrkdwn) or a bare string, as terminal text."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    text = str(obj.get("text", ""))
    if obj.get("type") == "mrkdwn":
        return mrkdwn(text, names)
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text) if obj.get("emoji", True) else text


def wrap(text: str, indent: str = "  ", width: int = WIDTH) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines += textwrap.wrap(paragraph, width - len(indent), replace_whitespace=False) or [""]
    return [indent + line for line in lines]


def options_of(element: dict[str, Any]) -> list[dict[str, Any]]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found += group.get("options") or []
    return found


def control(element: dict[str, Any], block_id: str, number: Numberer, names: Directory) -> str:
    """One interactive element as `[N] label`; selects list their choices for `click N <choice>`."""
    kind = element.get("type", "")
    n = number(element, block_id)
    if kind == "button":
        style = {"primary": " (primary)", "danger": " (danger)"}.get(element.get("style", ""), "")
        url = f" → {element['url']}" if element.get("url") else ""
        return f"[{n}] {plain(element.get('text'), names)}{style}{url}"
    choices = " | ".join(plain(o.get("text"), names) for o in options_of(element))
    if kind == "overflow":
        return f"[{n}] ⋯ ({choices})"
    label = plain(element.get("placeholder"), names) or kind.replace("_", " ")
    chosen = element.get("initial_option")
    now = f", now: {plain(chosen.get('text'), names)}" if chosen else ""
    return f"[{n}] ▾ {label} ({choices}{now})" if choices else f"[{n}] ▾ {label}"


def fields_grid(fields: list[dict[str, Any]], names: Directory) -> list[str]:
    """Section fields sit two to a row in Slack; side by side columns keep that reading order."""
    lines: list[str] = []
    for i in range(0, len(fields), 2):
        left = wrap(plain(fields[i], names), "", COLUMN)
        right = wrap(plain(fields[i + 1], names), "", COLUMN) if i + 1 < len(fields) else []
        for row in range(max(len(left), len(right))):
            a = left[row] if row < len(left) else ""
            b = right[row] if row < len(right) else ""
            lines.append(f"  {a:<{COLUMN}}  {b}".rstrip())
    return lines


def rich_text(element: dict[str, Any], names: Directory) -> str:
    if element.get("type") == "text":
        return str(element.get("text", ""))
    if element.get("type") == "user":
        return names.user(str(element.get("user_id", "")))
    if element.get("type") == "channel":
        return names.channel(str(element.get("channel_id", "")))
    if element.get("type") == "link":
        return str(element.get("text") or element.get("url", ""))
    if element.get("type") == "emoji":
        return EMOJI.get(str(element.get("name")), f":{element.get('name')}:")
    return "".join(rich_text(child, names) for child in element.get("elements") or [])


def input_block(block: dict[str, Any], names: Directory) -> list[str]:
    element = block.get("element") or {}
    label = plain(block.get("label"), names)
    key = element.get("action_id") or block.get("block_id") or "?"
    optional = " (optional)" if block.get("optional") else ""
    kind = element.get("type", "")
    if kind in ("static_select", "radio_buttons", "checkboxes"):
        choices = " | ".join(str(o.get("value")) for o in options_of(element))
        chosen = element.get("initial_option")
        now = f"  now: {chosen.get('value')}" if chosen else ""
        shape = f"one of {choices}{now}"
    elif kind == "plain_text_input":
        initial = element.get("initial_value")
        shape = "text" + (f", now: {initial!r}" if initial else "")
    else:
        shape = kind.replace("_", " ")
    lines = [f"  {label}{optional}: {key}=<{shape}>"]
    if block.get("hint"):
        lines += wrap(plain(block["hint"], names), "      ")
    return lines


def block_lines(block: dict[str, Any], number: Numberer, names: Directory) -> list[str]:
    kind = block.get("type")
    block_id = str(block.get("block_id") or "")
    if kind == "header":
        return ["", "  " + plain(block.get("text"), names).upper()]
    if kind == "divider":
        return ["  " + "─" * 40]
    if kind == "section":
        lines = wrap(plain(block.get("text"), names)) if block.get("text") else []
        lines += fields_grid(block.get("fields") or [], names)
        accessory = block.get("accessory")
        if accessory and accessory.get("type") not in ("image", None):
            lines.append("    " + control(accessory, block_id, number, names))
        return lines
    if kind == "context":
        parts = [
            f"[{e.get('alt_text', 'image')}]" if e.get("type") == "image" else plain(e, names)
            for e in block.get("elements") or []
        ]
        return wrap("  ·  ".join(parts), "  ")
    if kind == "actions":
        controls = [control(e, block_id, number, names) for e in block.get("elements") or []]
        return wrap("   ".join(controls), "  ")
    if kind == "image":
        return [f"  [image: {block.get('alt_text', '')}]"]
    if kind == "input":
        return input_block(block, names)
    if kind == "rich_text":
        return wrap(rich_text(block, names))
    if kind == "table":
        return table_lines(block, names)
    return [f"  [{kind} block]"]


TABLE_CELL_WIDTH = 28


def table_lines(block: dict[str, Any], names: Directory) -> list[str]:
    """A table block as aligned columns (cells cut to a width a terminal holds), header underlined."""
    rows = [
        [
            (plain(cell, names) if cell.get("type") == "raw_text" else rich_text(cell, names))[
                :TABLE_CELL_WIDTH
            ]
            for cell in row
        ]
        for row in block.get("rows") or []
    ]
    if not rows:
        return ["  (empty table)"]
    widths = [max(len(row[i]) if i < len(row) else 0 for row in rows) for i in range(max(map(len, rows)))]
    lines = ["  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  " + "  ".join("─" * w for w in widths))
    return lines


def blocks_text(
    blocks: list[dict[str, Any]] | None, fallback: str, number: Numberer, names: Directory
) -> list[str]:
    if not blocks:
        return wrap(mrkdwn(fallback, names)) if fallback else ["  (empty message)"]
    lines: list[str] = []
    for block in blocks:
        lines += block_lines(block, number, names)
    return lines
