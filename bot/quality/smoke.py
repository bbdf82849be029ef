"""`/model try`: a smoke test before anything else. A handful of golden cases through a model, to
learn in seconds whether it answers at all, whether it takes a strict JSON schema or only JSON
mode, how fast it is, and whether its labels look right. Nothing is stored: it is not an eval run
and never moves a pass-rate figure."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.errors import ModelError, NotFound
from bot.model_client import ModelClient
from bot.triage import answer_model, system_prompt
from storage import eval_cases
from storage.db import Database

SMOKE_CASES = 5


@dataclass
class SmokeResult:
    endpoint: str
    model_id: str
    tried: int = 0
    answered: int = 0
    right: int = 0
    modes: set[str] = field(default_factory=set)  # json_schema | json_object
    latencies_ms: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def mode(self) -> str:
        if "json_schema" in self.modes:
            return "strict JSON schema"
        if "json_object" in self.modes:
            return "JSON mode only (no strict schema: answers are checked locally)"
        return "unknown (no answer)"

    @property
    def slowest_ms(self) -> int | None:
        return max(self.latencies_ms) if self.latencies_ms else None

    @property
    def median_ms(self) -> int | None:
        ordered = sorted(self.latencies_ms)
        return ordered[(len(ordered) - 1) // 2] if ordered else None


async def smoke_test(
    db: Database, models: ModelClient, endpoint: str, model_id: str, *, categories: list[str]
) -> SmokeResult:
    models.endpoint(endpoint)  # unknown endpoint: NotFound, nothing sent
    async with db.session() as session:
        cases = list((await session.exec(eval_cases.active_cases_query().limit(SMOKE_CASES))).all())
    if not cases:
        raise NotFound("The eval set is empty, so there is nothing to try: import golden cases first.")
    schema, prompt = answer_model(tuple(categories)), system_prompt(tuple(categories))
    result = SmokeResult(endpoint, model_id, tried=len(cases))

    async def one(text: str, expected: tuple[str, str]) -> None:
        messages = [{"role": "system", "content": prompt}, {"role": "user", "content": text}]
        try:
            reply = await models.complete_structured(endpoint, model_id, messages, schema)
        except ModelError as exc:
            result.errors.append(exc.user_message)
            return
        answer = reply.answer.model_dump()
        result.answered += 1
        result.modes.add(reply.response_mode)
        result.latencies_ms.append(reply.latency_ms)
        result.right += (answer["urgency"], answer["category"]) == expected

    await asyncio.gather(*(one(c.input_text, (c.expected_urgency, c.expected_category)) for c in cases))
    return result


def smoke_lines(result: SmokeResult) -> list[str]:
    if not result.answered:
        first = result.errors[0] if result.errors else "no answer"
        return [f"{result.model_id} on {result.endpoint} did not answer any of {result.tried} cases: {first}"]
    lines = [
        f"{result.model_id} on {result.endpoint}: answered {result.answered}/{result.tried} golden cases, "
        f"{result.right} with both labels right.",
        f"Answer format: {result.mode}.",
        f"Latency: median {result.median_ms:,} ms, slowest {result.slowest_ms:,} ms.",
    ]
    if result.errors:
        lines.append(f"{len(result.errors)} case(s) failed: {result.errors[0]}")
    lines.append("Not an eval run: nothing was recorded. For evidence, run the whole set with `/model eval`.")
    return lines
