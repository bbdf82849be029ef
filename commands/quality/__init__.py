"""Quality listeners: reviewer buttons on triage results and `/model eval`."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from commands.ids import Action, View
from commands.quality.model_eval import EVAL_USAGE, eval_subcommand
from commands.quality.review import (
    add_to_eval_set,
    review_correct,
    review_wrong,
    review_wrong_submitted,
    update_eval_case,
)
from commands.quality.second_opinion import ask_second_opinion, second_opinion_correct, second_opinion_wrong
from commands.subcommands import SubcommandTable


def add_subcommands(table: SubcommandTable) -> None:
    table.add(
        "eval", eval_subcommand, EVAL_USAGE, "Run the eval set against a model (default: the live one)."
    )


def register(app: AsyncApp) -> None:
    app.action(Action.REVIEW_CORRECT)(review_correct)
    app.action(Action.REVIEW_WRONG)(review_wrong)
    app.view(View.REVIEW_WRONG)(review_wrong_submitted)
    app.action(Action.ADD_TO_EVAL_SET)(add_to_eval_set)
    app.action(Action.UPDATE_EVAL_CASE)(update_eval_case)
    app.action(Action.ASK_SECOND_OPINION)(ask_second_opinion)
    app.action(Action.SECOND_OPINION_CORRECT)(second_opinion_correct)
    app.action(Action.SECOND_OPINION_WRONG)(second_opinion_wrong)
