"""The customer's words from every place Slack messages keep them (shapes as Slack sends them)."""

from __future__ import annotations

from commands.triage.message_text import customer_words, mention_words, posted_by, readable


def test_plain_text_with_slack_markup_becomes_readable_words() -> None:
    message = {
        "type": "message",
        "text": "Hi <@U0ANN|ann>, see <#C0BILLING|billing> and <https://acme.test/inv/7|invoice 7> "
        "&amp; <mailto:bob@acme.test|bob@acme.test>; cc <!here> <!subteam^S0OPS|@ops> &lt;3",
    }
    assert customer_words(message) == (
        "Hi @ann, see #billing and invoice 7 (https://acme.test/inv/7) & bob@acme.test; cc @here @ops <3"
    )


def test_bare_references_keep_their_ids() -> None:
    assert readable("<@U0BOB> in <#C0GEN> at <https://acme.test>") == "@U0BOB in #C0GEN at https://acme.test"


def test_rich_text_blocks_in_reading_order_with_nested_lists_quotes_and_code() -> None:
    message = {
        "type": "message",
        "text": "",
        "blocks": [
            {
                "type": "rich_text",
                "block_id": "Xy1",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "text", "text": "Order "},
                            {"type": "text", "text": "#4411", "style": {"bold": True}},
                            {"type": "text", "text": " never arrived, says "},
                            {"type": "user", "user_id": "U0CUST"},
                            {"type": "emoji", "name": "cry"},
                        ],
                    },
                    {
                        "type": "rich_text_list",
                        "style": "bullet",
                        "indent": 0,
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [{"type": "text", "text": "paid on May 2"}],
                            },
                            {
                                "type": "rich_text_section",
                                "elements": [
                                    {"type": "text", "text": "tracking "},
                                    {"type": "link", "url": "https://track.test/1", "text": "link"},
                                ],
                            },
                        ],
                    },
                    {
                        "type": "rich_text_quote",
                        "elements": [{"type": "text", "text": "Where is my parcel?"}],
                    },
                    {
                        "type": "rich_text_preformatted",
                        "elements": [{"type": "text", "text": "ERR_SHIP_404"}],
                    },
                ],
            }
        ],
    }
    assert customer_words(message) == (
        "Order #4411 never arrived, says @U0CUST:cry:\n"
        "paid on May 2\n"
        "tracking link (https://track.test/1)\n"
        "Where is my parcel?\n"
        "ERR_SHIP_404"
    )


def test_section_fields_header_and_context_blocks() -> None:
    message = {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B0ZENDESK",
        "text": "New ticket",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Ticket #88: Refund &amp; cancel"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*From* <mailto:c@x.test|c@x.test>"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*Priority:* high"},
                    {"type": "plain_text", "text": "Please refund my last payment"},
                ],
            },
            {"type": "divider"},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "via web form"}]},
            {
                "type": "actions",
                "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open"}}],
            },
        ],
    }
    assert customer_words(message) == (
        "New ticket\nTicket #88: Refund & cancel\n*From* c@x.test\n*Priority:* high\n"
        "Please refund my last payment\nvia web form"
    )


def test_legacy_attachments_and_their_repeated_fallback_are_read_once() -> None:
    message = {
        "type": "message",
        "text": "",
        "attachments": [
            {
                "fallback": "Card declined twice - order 77",
                "pretext": "New message from the shop",
                "title": "Card declined twice",
                "text": "My card was declined twice at checkout &amp; I was still charged",
                "fields": [{"title": "Order", "value": "77", "short": True}],
                "footer": "Shopify",
            }
        ],
    }
    assert customer_words(message) == (
        "New message from the shop\nCard declined twice\n"
        "My card was declined twice at checkout & I was still charged\nOrder: 77\n"
        "Card declined twice - order 77"
    )


def test_same_words_in_text_blocks_and_fallback_appear_once() -> None:
    words = "My invoice shows the wrong VAT number"
    message = {
        "type": "message",
        "text": words,
        "blocks": [
            {
                "type": "rich_text",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": words}]}],
            }
        ],
        "attachments": [{"fallback": words, "text": words}],
    }
    assert customer_words(message) == words


def test_files_give_their_title_name_and_only_a_text_snippet_preview() -> None:
    message = {
        "type": "message",
        "text": "",
        "files": [
            {
                "id": "F1",
                "name": "error.log",
                "title": "Checkout error",
                "mimetype": "text/plain",
                "filetype": "text",
                "mode": "snippet",
                "preview": "Traceback: payment gateway timeout",
            },
            {
                "id": "F2",
                "name": "screen.png",
                "title": "screen.png",
                "filetype": "png",
                "preview": "\x89PNG",
            },
        ],
    }
    assert (
        customer_words(message) == "Checkout error\nerror.log\nTraceback: payment gateway timeout\nscreen.png"
    )


def test_nothing_readable_is_empty() -> None:
    assert customer_words({"type": "message", "text": "", "blocks": [{"type": "divider"}]}) == ""
    assert customer_words({"type": "message", "blocks": "not a list", "files": [None]}) == ""


def test_mention_words_drop_the_mention_and_its_blocks_but_keep_attachments() -> None:
    event = {
        "type": "app_mention",
        "text": "<@U0BOT> ",
        "blocks": [{"type": "rich_text", "elements": []}],
        "attachments": [{"fallback": "Forwarded: refund please", "text": "Forwarded: refund please"}],
    }
    assert mention_words(event) == "Forwarded: refund please"


def test_posted_by_this_app_by_bot_id_or_bot_user() -> None:
    assert posted_by({"bot_id": "B0ME"}, bot_id="B0ME", bot_user_id="U0ME")
    assert posted_by({"user": "U0ME"}, bot_id="B0ME", bot_user_id="U0ME")
    assert not posted_by({"bot_id": "B0OTHER", "user": "U0X"}, bot_id="B0ME", bot_user_id="U0ME")
    assert not posted_by({}, bot_id=None, bot_user_id=None)


def test_a_short_piece_is_only_a_repeat_when_it_appears_as_whole_words() -> None:
    message = {
        "type": "message",
        "text": "Stuck on the highway, the car app will not unlock",
        "attachments": [
            {"fields": [{"title": "", "value": "high"}], "fallback": "the car app will not unlock"}
        ],
    }
    assert customer_words(message) == "Stuck on the highway, the car app will not unlock\nhigh"
