"""commands/text.py: the escaping and truncation every message with free text goes through."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import Conflict
from commands import text
from commands.errors import user_message
from storage.models import Triage
from tests.support.app_under_test import Bot

_LOOSE_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<http://evil|click>", "&lt;http://evil|click&gt;"),
        ("a & b", "a &amp; b"),
        ("&lt;", "&amp;lt;"),
        ("@here now", "@\u2060here now"),
        ("@Channel!", "@\u2060Channel!"),
        ("@everyone", "@\u2060everyone"),
        ("mail me@hereford.example", "mail me@hereford.example"),
        ("*bold* _it_ ```code```", "*bold* _it_ ```code```"),
    ],
)
def test_escape_mrkdwn(raw: str, escaped: str) -> None:
    assert text.escape_mrkdwn(raw) == escaped


def test_inline_code_cannot_be_closed_early_or_ping() -> None:
    assert text.inline_code("ft:gpt`<!here>`") == "`ft:gpt'&lt;!here&gt;'`"


def test_truncate_marks_the_cut_and_fits_exactly() -> None:
    assert text.truncate("short", 10) == "short"
    assert text.truncate("x" * 10, 10) == "x" * 10
    cut = text.truncate("x" * 11, 10 + len(text.TRUNCATION_MARK))
    assert cut == "x" * 11
    long = text.truncate("y" * 5000, 2000)
    assert len(long) == 2000 and long.endswith(text.TRUNCATION_MARK)


def test_safe_plain_only_limits_length() -> None:
    assert text.safe_plain("<!channel> *x*", 100) == "<!channel> *x*"
    assert len(text.safe_plain("z" * 3000, text.FIELD_TEXT_MAX)) == text.FIELD_TEXT_MAX


def test_safe_mrkdwn_never_splits_an_entity() -> None:
    for offset in range(6):
        cut = text.safe_mrkdwn("x" * offset + "&" * 100, 40)
        assert len(cut) <= 40
        assert cut.endswith(text.TRUNCATION_MARK)
        assert not _LOOSE_AMPERSAND.search(cut), cut


@settings(max_examples=200, deadline=None)
@given(
    raw=st.one_of(st.text(max_size=5000), st.text(alphabet="<>&@herchanl!| ", max_size=5000)),
    limit=st.integers(min_value=len(text.TRUNCATION_MARK) + 5, max_value=3000),
)
def test_safe_mrkdwn_fits_is_inert_and_marks_truncation(raw: str, limit: int) -> None:
    out = text.safe_mrkdwn(raw, limit)
    assert len(out) <= limit
    assert "<" not in out and ">" not in out
    assert not _LOOSE_AMPERSAND.search(out)
    assert not re.search(r"@(channel|here|everyone)\b", out, re.IGNORECASE)
    escaped = text.escape_mrkdwn(raw)
    if len(escaped) <= limit:
        assert out == escaped
    else:
        assert out.endswith(text.TRUNCATION_MARK)
        assert escaped.startswith(out.removesuffix(text.TRUNCATION_MARK))


def test_model_output_with_nul_and_controls_is_stored_and_shown(bot_factory, any_db_url: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL refuses NUL in text columns; a model answering one must not lose the triage."""
    bot: Bot = bot_factory(any_db_url)
    bot.openai.script(
        "nul",
        {"urgency": "low", "category": "other", "summary": "before\x00after\x1b[31m", "next_step": "ok\x00"},
    )
    _, response_url = bot.send.command("/triage", "nul in the answer please")
    token = response_url.rsplit("/", 1)[1]
    (delivered,) = bot.slack.wait_for("response_url", lambda c: c.params["_token"] == token)

    assert "blocks" in delivered.params, delivered.params
    assert "before" in str(delivered.params["blocks"])
    (row,) = bot.rows(Triage)
    assert row.status == "ok"
    assert "\x00" not in (row.summary or "")


def test_only_the_people_a_domain_error_names_become_mentions() -> None:
    error = Conflict("Request #3 was already approved by @U0LEAD; @U0OTHER typed this.", people=("U0LEAD",))
    said = user_message(error, {"text": "approve @U0OTHER"})
    assert "approved by <@U0LEAD>;" in said  # named by the domain: a mention in Slack
    assert "@U0OTHER typed" in said and "<@U0OTHER>" not in said  # not named: left as words
    assert error.user_message.startswith("Request #3 was already approved by @U0LEAD")  # the CLI's words
