"""Structured output as real servers take it: a strict schema every model accepts, local checks for
the rest, and a JSON-mode fallback only for the error that means "unsupported schema", which expires."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.errors import ModelError, ModelOffSchema
from bot.model_client import ModelClient, json_schema_format
from bot.response_modes import ResponseModes, is_unsupported_schema, strict_subset
from bot.settings import Endpoint
from bot.standins import OpenAIStandIn
from bot.triage import answer_model
from storage.models import Triage
from tests.support.app_under_test import Bot
from tests.support.triage_requests import is_result, triage

KEY = "sk-test-schema"
FT = "ft:gpt-4o-mini-2024-07-18:acme:triage:schema1"
ANSWER = answer_model(("billing", "other"))
MESSAGES = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "charged twice"}]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def oai() -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn([FT], api_key=KEY, categories=["billing", "other"])
    with stand_in.serve():
        yield stand_in


@pytest.fixture
async def client(oai: OpenAIStandIn) -> AsyncIterator[ModelClient]:
    from pydantic import SecretStr

    ep = Endpoint(name="openai", base_url=f"{oai.base_url}/v1", api_key=SecretStr(KEY))
    models = ModelClient({"openai": ep}, timeout=5.0, max_retries=0, strict_validation=True)
    yield models
    await models.close()


def keywords(schema: object) -> set[str]:
    if isinstance(schema, list):
        return set().union(*(keywords(s) for s in schema)) if schema else set()
    if not isinstance(schema, dict):
        return set()
    found = set(schema)
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            found |= set().union(*(keywords(v) for v in value.values())) if value else set()
        elif key in ("items", "anyOf"):
            found |= keywords(value)
    return found


def test_the_schema_sent_has_only_keywords_strict_mode_documents_for_every_model() -> None:
    schema = json_schema_format(ANSWER)["json_schema"]["schema"]
    assert "minLength" not in keywords(schema)
    assert keywords(schema) <= {"type", "properties", "required", "additionalProperties", "enum", "title"}
    # Property names survive even when they look like keywords.
    assert strict_subset({"properties": {"format": {"type": "string", "pattern": "x"}}}) == {
        "properties": {"format": {"type": "string"}}
    }


def test_a_fine_tuned_live_model_gets_strict_mode_not_a_json_mode_fallback(bot: Bot) -> None:
    assert is_result(triage(bot))

    (request,) = bot.openai.chat_requests()
    assert request["response_format"]["type"] == "json_schema"
    assert "minLength" not in str(request["response_format"])
    (row,) = bot.rows(Triage)
    assert row.response_mode == "json_schema"


async def test_an_empty_summary_is_checked_locally_and_is_off_schema(
    oai: OpenAIStandIn, client: ModelClient
) -> None:
    oai.script("charged", {"urgency": "high", "category": "billing", "summary": "", "next_step": "Refund."})
    with pytest.raises(ModelOffSchema):
        await client.complete_structured("openai", FT, MESSAGES, ANSWER)
    assert client.modes.mode("openai", FT) == "json_schema"


async def test_the_stand_in_refuses_min_length_for_fine_tuned_models_as_openai_does(
    oai: OpenAIStandIn,
) -> None:
    import openai

    fmt = {
        "type": "json_schema",
        "json_schema": {
            "name": "T",
            "strict": True,
            "schema": {"type": "object", "properties": {"s": {"type": "string", "minLength": 1}}},
        },
    }
    async with openai.AsyncOpenAI(base_url=f"{oai.base_url}/v1", api_key=KEY, max_retries=0) as api:
        with pytest.raises(openai.BadRequestError) as caught:
            await api.chat.completions.create(model=FT, messages=MESSAGES, response_format=fmt)  # type: ignore[arg-type]
    err = caught.value
    assert (err.code, err.param) == ("invalid_json_schema", "response_format")
    assert "'minLength' is not permitted" in err.message
    assert is_unsupported_schema(err.code, err.param, err.message)


async def test_a_400_about_response_format_that_is_not_unsupported_schema_does_not_flip_the_mode(
    oai: OpenAIStandIn, client: ModelClient
) -> None:
    oai.fail_next("bad_response_format")
    with pytest.raises(ModelError):
        await client.complete_structured("openai", FT, MESSAGES, ANSWER)

    reply = await client.complete_structured("openai", FT, MESSAGES, ANSWER)
    assert reply.response_mode == "json_schema"
    assert [r["response_format"]["type"] for r in oai.chat_requests()] == ["json_schema", "json_schema"]


async def test_json_mode_fallback_expires_after_a_day_and_strict_mode_is_tried_again(
    oai: OpenAIStandIn, client: ModelClient, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    client.modes = ResponseModes(clock=clock)
    oai.reject_json_schema_models.add(FT)
    with caplog.at_level(logging.WARNING, logger="bot.model_client"):
        first = await client.complete_structured("openai", FT, MESSAGES, ANSWER)
    assert first.response_mode == "json_object"
    assert client.modes.label("openai", FT) == "JSON mode"
    assert any("rejected json_schema" in r.getMessage() for r in caplog.records)

    clock.now += 23 * 3600
    assert (await client.complete_structured("openai", FT, MESSAGES, ANSWER)).response_mode == "json_object"

    oai.reject_json_schema_models.discard(FT)  # the server learned strict mode overnight
    clock.now += 2 * 3600
    assert client.modes.label("openai", FT) == "strict schema"
    assert (await client.complete_structured("openai", FT, MESSAGES, ANSWER)).response_mode == "json_schema"


def test_a_restart_forgets_the_fallback(bot_factory, sqlite_url: str) -> None:
    bot = bot_factory(sqlite_url)
    bot.openai.fail_next("reject_json_schema")
    assert is_result(triage(bot))
    restarted = bot_factory(sqlite_url)
    assert is_result(triage(restarted, "Another double charge"))

    formats = [r["response_format"]["type"] for r in bot.openai.chat_requests()]
    assert formats == ["json_schema", "json_object", "json_schema"]
