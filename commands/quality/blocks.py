"""Block Kit for reviews (the "what should it have said" modal and the reviewer's confirmations) and
the eval gate's evidence table."""

from __future__ import annotations

import json
from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    TableBlock,
)
from slack_sdk.models.views import View

from bot.quality.agreement import HumanAgreement
from bot.quality.evidence import Comparison, FieldEvidence, RunEvidence
from bot.quality.metrics import describe_kappa
from bot.quality.reviews import AddedCase, Review
from bot.triage import URGENCIES
from commands import text
from commands.ids import Action
from commands.ids import Block as BlockId
from commands.ids import View as ViewId


def _options(values: list[str] | tuple[str, ...]) -> list[Option]:
    return [Option(value=value, text=PlainTextObject(text=value, emoji=False)) for value in values]


def _select(action_id: str, values: list[str] | tuple[str, ...], initial: str) -> StaticSelectElement:
    options = _options(values)
    chosen = next((o for o in options if o.value == initial), None)
    return StaticSelectElement(action_id=action_id, options=options, initial_option=chosen)


def review_modal(
    triage_id: int,
    urgency: str,
    category: str,
    categories: list[str],
    response_url: str | None,
    *,
    second_opinion: bool = False,
) -> View:
    metadata = json.dumps(
        {"triage_id": triage_id, "response_url": response_url, "second_opinion": second_opinion}
    )
    return View(
        type="modal",
        callback_id=ViewId.REVIEW_WRONG,
        private_metadata=metadata,
        title=PlainTextObject(text="What should it say?"),
        submit=PlainTextObject(text="Record"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"The model said *{urgency}* urgency, category {text.inline_code(category)} "
                    f"(triage #{triage_id}). Pick what it should have said."
                )
            ),
            InputBlock(
                block_id=BlockId.REVIEW_URGENCY,
                label="Right urgency",
                element=_select(Action.REVIEW_URGENCY, URGENCIES, urgency),
            ),
            InputBlock(
                block_id=BlockId.REVIEW_CATEGORY,
                label="Right category",
                element=_select(Action.REVIEW_CATEGORY, categories, category),
            ),
            InputBlock(
                block_id=BlockId.REVIEW_NOTE,
                label="Note",
                optional=True,
                hint="What was wrong, for whoever curates the eval set.",
                element=PlainTextInputElement(action_id=Action.REVIEW_NOTE, multiline=True, max_length=2000),
            ),
        ],
    )


def review_confirmation(review: Review) -> list[Block]:
    if review.passed:
        line = (
            f":white_check_mark: Recorded: triage #{review.triage_id} was *correct* "
            f"({review.urgency}, {text.inline_code(review.category)})."
        )
    else:
        line = (
            f":pencil2: Recorded: triage #{review.triage_id} should have been *{review.urgency}*, "
            f"{text.inline_code(review.category)}."
        )
    return [
        SectionBlock(text=MarkdownTextObject(text=line)),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=f"Model {text.inline_code(review.model_id)}. Add it to the eval set so every "
                    "future model is checked against it."
                )
            ]
        ),
        ActionsBlock(
            block_id=BlockId.REVIEW_ACTIONS,
            elements=[
                ButtonElement(
                    text="Add to eval set", action_id=Action.ADD_TO_EVAL_SET, value=str(review.check_id)
                ),
                ButtonElement(
                    text="Second opinion", action_id=Action.ASK_SECOND_OPINION, value=str(review.check_id)
                ),
            ],
        ),
    ]


def review_confirmation_text(review: Review) -> str:
    verdict = "correct" if review.passed else f"wrong (should be {review.urgency}, {review.category})"
    return text.escape_mrkdwn(f"Recorded: triage #{review.triage_id} was {verdict}.")


def added_text(added: AddedCase) -> str:
    if added.created:
        return f":white_check_mark: Added to the eval set as case #{added.case_id}."
    return f"Already in the eval set as case #{added.case_id}; nothing was added."


# --- The eval gate's evidence as a native table (issue 11) -------------------------------------
# Slack's table block: at most 100 rows of at most 20 cells; one table per message. Cells are
# raw_text (never parsed as mrkdwn), kept short so the table stays readable on a phone.
TABLE_MAX_ROWS = 100
TABLE_CELL_MAX = 120


def _cell(value: str) -> dict[str, str]:
    return {"type": "raw_text", "text": text.truncate(value, TABLE_CELL_MAX) or " "}


def _accuracy(field: FieldEvidence) -> str:
    return field.accuracy.describe()


def _kappa(field: FieldEvidence) -> str:
    return describe_kappa(field.kappa, field.n)


def _recall(value: float) -> str:
    return f"{value * 100:.0f}%"


def gate_table(
    live: RunEvidence,
    candidate: RunEvidence,
    comparison: Comparison,
    max_class_drop: float,
    human: HumanAgreement | None = None,
    extra_rows: Sequence[tuple[str, str, str]] = (),
) -> TableBlock:
    """Per field, live vs candidate: accuracy with its 95% interval, kappa (with the reviewers' own
    kappa beside it: the human ceiling), and each class whose recall fell by more than the allowed
    drop (none: said so, so an empty row is never ambiguous)."""
    ceiling_urgency = human.urgency() if human else "n/a"
    ceiling_category = human.category() if human else "n/a"
    rows = [
        [_cell("Figure"), _cell("Live"), _cell("Candidate"), _cell("Reviewers (ceiling)")],
        [
            _cell("Urgency accuracy"),
            _cell(_accuracy(live.urgency)),
            _cell(_accuracy(candidate.urgency)),
            _cell(" "),
        ],
        [
            _cell("Urgency kappa (weighted)"),
            _cell(_kappa(live.urgency)),
            _cell(_kappa(candidate.urgency)),
            _cell(ceiling_urgency),
        ],
        [
            _cell("Category accuracy"),
            _cell(_accuracy(live.category)),
            _cell(_accuracy(candidate.category)),
            _cell(" "),
        ],
        [
            _cell("Category kappa"),
            _cell(_kappa(live.category)),
            _cell(_kappa(candidate.category)),
            _cell(ceiling_category),
        ],
    ]
    rows += [[_cell(name), _cell(before), _cell(after), _cell(" ")] for name, before, after in extra_rows]
    drops = comparison.class_drops
    room = TABLE_MAX_ROWS - len(rows) - 1  # one row kept for "…and N more"
    for drop in drops[:room]:
        rows.append(
            [
                _cell(f"Recall: {drop.field} {drop.label}"),
                _cell(_recall(drop.before)),
                _cell(_recall(drop.after)),
                _cell(" "),
            ]
        )
    if len(drops) > room:
        rows.append([_cell(f"…and {len(drops) - room} more classes"), _cell(" "), _cell(" "), _cell(" ")])
    if not drops:
        allowed = f"{max_class_drop * 100:.0f} points"
        rows.append([_cell("Recall drops"), _cell(" "), _cell(f"none beyond {allowed}"), _cell(" ")])
    return TableBlock(rows=rows, column_settings=[{"is_wrapped": True}] * 4)


def paired_verdict(comparison: Comparison) -> str:
    """The paired test on the cases both models ran, in words (mrkdwn-safe: no user text)."""
    return f"Paired test (McNemar) on the same cases: {comparison.paired.describe()}."
