"""The eval gate in Slack: candidate vs live on the approval request, and the override modal."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.quality.costs import CostFigures, money
from bot.quality.eval_runs import RunSummary
from bot.quality.gate import (
    BELOW_BAR,
    CLASS_DROP,
    DEFAULT_MAX_CLASS_DROP,
    FAILED,
    GATED_KINDS,
    NO_CASES,
    PASSED,
    GateView,
    gate_view,
    run_gate,
)
from bot.quality.text import millis, percent
from bot.registry import OverrideRequired, RequestKind
from bot.registry.views import RequestView
from bot.services import Services
from commands import render, text
from commands.ids import Action
from commands.ids import Block as BlockId
from commands.ids import View as ViewId
from commands.model import messages
from commands.model.evidence_blocks import evidence_sections
from commands.model.snapshot import snapshot_gate_blocks
from commands.quality.blocks import gate_table, paired_verdict


def _run_field(title: str, run: RunSummary | None) -> MarkdownTextObject:
    if run is None:
        return MarkdownTextObject(text=f"*{title}*\nno eval run")
    if run.status == "running":
        return MarkdownTextObject(text=f"*{title}*\n:hourglass_flowing_sand: run #{run.run_id} in progress")
    body = (
        f"*{title}*  {text.inline_code(run.model_id)}\n"
        f"Pass rate *{percent(run.pass_rate)}* ({run.passed}/{run.cases})\n"
        f"Urgency {percent(run.urgency_accuracy)} · Category {percent(run.category_accuracy)}\n"
        f"p95 {millis(run.latency_p95_ms)} · {run.errors} error(s) · run #{run.run_id}"
    )
    return MarkdownTextObject(text=text.truncate(body, text.FIELD_TEXT_MAX))


def verdict(view: GateView) -> str:
    bar = "TRIAGE_QUALITY_BAR" if view.absolute_bar else "the live model"
    needed = f"{percent(view.required)} ({bar})"
    if view.state == NO_CASES:
        return ":information_source: No eval set yet, so the gate does not apply."
    if view.state == PASSED:
        if view.required is None:
            return ":white_check_mark: The candidate's eval finished; there is no live run to compare with."
        return f":white_check_mark: The candidate meets the bar: at least {needed}."
    if view.state == BELOW_BAR:
        return f":warning: The candidate is *below the bar* (needs {needed}). Approving needs an override reason."
    if view.state == CLASS_DROP:
        drops = view.comparison.class_drops if view.comparison else []
        names = ", ".join(f"{d.field} {text.escape_mrkdwn(d.label)}" for d in drops)
        return (
            f":warning: The pass rate holds ({needed}), but recall *dropped* for {names}. "
            "Approving needs an override reason."
        )
    if view.state == FAILED:
        return ":warning: The candidate's eval run failed. Approving needs an override reason."
    return ":hourglass_flowing_sand: Eval running. Approving before it finishes needs an override reason."


def _per_triage(cost: CostFigures | None) -> str:
    if cost is None or cost.total is None:
        return "unknown (no price in TRIAGE_PRICES, or no token counts)"
    return money(cost.per_call)


def _per_correct(cost: CostFigures | None) -> str:
    if cost is None or cost.total is None:
        return "unknown"
    return money(cost.per_correct) if cost.correct else "unknown (no case passed)"


def cost_rows(view: GateView) -> list[tuple[str, str, str]]:
    """Live against candidate, on the eval cases each answered: what a triage and a right answer cost."""
    return [
        ("Cost per triage", _per_triage(view.live_cost), _per_triage(view.candidate_cost)),
        ("Cost per correct answer", _per_correct(view.live_cost), _per_correct(view.candidate_cost)),
    ]


def gate_blocks(view: GateView | None, max_class_drop: float = DEFAULT_MAX_CLASS_DROP) -> list[Block]:
    if view is None:
        return []
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="*Eval gate*"))]
    if view.state != NO_CASES:
        blocks.append(
            SectionBlock(fields=[_run_field("Candidate", view.candidate), _run_field("Live", view.live)])
        )
    if view.comparison and view.live_evidence and view.candidate_evidence:
        # Both runs finished: the per-field evidence, then the paired test's verdict under it.
        blocks.append(
            gate_table(
                view.live_evidence,
                view.candidate_evidence,
                view.comparison,
                max_class_drop,
                human=view.human,
                extra_rows=cost_rows(view),
            )
        )
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=paired_verdict(view.comparison))]))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=verdict(view))]))
    return blocks


async def current_gate(services: Services, request: RequestView) -> GateView | None:
    """The gate with the per-class rule on: a lost class needs an override whatever the pass rate."""
    settings = services.settings
    return await gate_view(
        services.db,
        request,
        settings.triage_quality_bar,
        categories=list(settings.triage_categories),
        max_class_drop=settings.max_class_drop,
        prices=services.prices,
    )


def _blocks(services: Services, view: GateView | None) -> list[Block]:
    return gate_blocks(view, services.settings.max_class_drop)


async def gate_sections(services: Services, request: RequestView) -> list[Block]:
    """The gate as it stands, for re-rendering a decided request without losing the comparison; with
    the live model's newest snapshot named, when it has one (evidence that outlives the model)."""
    gate = _blocks(services, await current_gate(services, request))
    sections = gate + await snapshot_gate_blocks(services, request) if gate else gate
    return sections + await evidence_sections(services, request)


async def gate_sections_for(services: Services, request_id: int) -> list[Block]:
    """The gate for a request about to be decided, rendered before the decision's transaction."""
    request = await _fresh(services, request_id)
    return [] if request is None else await gate_sections(services, request)


async def _fresh(services: Services, request_id: int) -> RequestView | None:
    return await services.registry.request(request_id)


async def start_gate(client: AsyncWebClient, services: Services, request: RequestView) -> None:
    """After a switch request is posted: show "running", evaluate, then show both side by side."""
    if request.kind not in GATED_KINDS or request.id is None:
        return
    before = await current_gate(services, request)
    if before is None or before.state == NO_CASES:
        return  # no eval set: the request message stays as it is
    running = _blocks(services, before) + await evidence_sections(services, request)
    await messages.update_request_message(client, request, running)
    await run_gate(services.db, services.eval_runner, request)
    current = await _fresh(services, request.id)
    if current is not None:
        await messages.update_request_message(client, current, await gate_sections(services, current))


async def ask_for_override(client: AsyncWebClient, body: dict[str, Any], refused: OverrideRequired) -> None:
    """Approve met the eval gate (the registry refused without a reason): ask the approver why."""
    view = refused.verdict
    if not isinstance(view, GateView):  # the registry's gate is bot/quality/gate.py's (bot/services.py)
        raise refused
    await client.views_open(trigger_id=body["trigger_id"], view=override_modal(refused.request, view))


def _override_question(request: RequestView) -> str:
    candidate = render.model(request.model_id, request.endpoint)
    if request.kind == RequestKind.CANARY:
        return f"Serve {request.percent}% of live triages with {candidate} anyway?"
    return f"Switch to {candidate} anyway?"


def override_modal(request: RequestView, view: GateView) -> View:
    return View(
        type="modal",
        callback_id=ViewId.APPROVE_OVERRIDE,
        private_metadata=json.dumps({"request_id": request.id}),
        title=f"Override #{request.id}"[:24],
        submit="Approve anyway",
        close="Cancel",
        blocks=[
            SectionBlock(text=f"{verdict(view)}\n{_override_question(request)}"),
            InputBlock(
                block_id=BlockId.OVERRIDE_REASON,
                label="Why approve despite the eval gate?",
                hint=(
                    "Recorded in the canary's history (/model canary)."
                    if request.kind == RequestKind.CANARY
                    else "Recorded with the deployment and shown in /model history."
                ),
                element=PlainTextInputElement(
                    action_id=Action.OVERRIDE_REASON, multiline=True, min_length=5, max_length=1000
                ),
            ),
        ],
    )
