"""/model list and `triagebot check` on endpoints without OpenAI's fine-tuning API: vLLM (404, LoRA
adapters in GET /v1/models with `parent`) and a LiteLLM proxy (403/500 "not supported")."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from bot.cli_ops import check_command
from bot.errors import ModelAuthFailed, ModelUnknown
from bot.model_client import FINE_TUNING_JOBS, MODEL_LIST, ModelClient
from bot.settings import Endpoint
from bot.standins import OpenAIStandIn
from storage.models import SwitchRequest
from tests.support.app_under_test import Bot
from tests.support.model_requests import approvals_bot, ask

KEY = "sk-local-0000"
BASE = "meta-llama/Llama-3.1-8B-Instruct"
LORA = "acme/triage-lora-v2"
FT = "ft:gpt-4o-mini-2024-07-18:acme:triage:lite01"


@pytest.fixture
def local() -> Iterator[OpenAIStandIn]:
    stand_in = OpenAIStandIn(api_key=KEY)
    stand_in.add_model(BASE, owned_by="vllm")
    stand_in.add_model(LORA, owned_by="vllm", lora_of=BASE)
    stand_in.add_model(FT, owned_by="openai")
    with stand_in.serve():
        yield stand_in


@pytest.fixture
async def client(local: OpenAIStandIn) -> AsyncIterator[ModelClient]:
    ep = Endpoint(name="local", base_url=f"{local.base_url}/v1", api_key=SecretStr(KEY))
    models = ModelClient({"local": ep}, timeout=5.0, max_retries=0, strict_validation=True)
    yield models
    await models.close()


async def test_vllm_lists_lora_adapters_from_its_model_list(
    local: OpenAIStandIn, client: ModelClient
) -> None:
    local.serves_like = "vllm"
    listing = await client.list_fine_tuned_models("local")
    assert listing.source == MODEL_LIST
    by_id = {m.model_id: m.base_model for m in listing.models}
    assert by_id[LORA] == BASE
    assert BASE not in by_id  # a base model is not a fine-tune


@pytest.mark.parametrize("status", [403, 500])
async def test_a_litellm_proxy_saying_not_supported_falls_back_too(
    local: OpenAIStandIn, client: ModelClient, status: int
) -> None:
    local.serves_like, local.litellm_status = "litellm", status
    listing = await client.list_fine_tuned_models("local")
    assert listing.source == MODEL_LIST
    assert [(m.model_id, m.base_model) for m in listing.models] == [(FT, "gpt-4o-mini-2024-07-18")]


async def test_openai_lists_fine_tuning_jobs_and_a_bad_key_still_fails(local: OpenAIStandIn) -> None:
    local.add_model("ft:gpt-4o-mini-2024-07-18:acme::job1", fine_tune_of="gpt-4o-mini-2024-07-18")
    ep = Endpoint(name="local", base_url=f"{local.base_url}/v1", api_key=SecretStr(KEY))
    wrong = Endpoint(name="wrong", base_url=f"{local.base_url}/v1", api_key=SecretStr("sk-wrong"))
    models = ModelClient({"local": ep, "wrong": wrong}, timeout=5.0, max_retries=0)
    try:
        listing = await models.list_fine_tuned_models("local")
        assert listing.source == FINE_TUNING_JOBS
        assert [m.model_id for m in listing.models] == ["ft:gpt-4o-mini-2024-07-18:acme::job1"]
        with pytest.raises(ModelAuthFailed):
            await models.list_fine_tuned_models("wrong")
    finally:
        await models.close()


def local_bot(bot_factory: Callable[..., Bot], db_url: str, local: OpenAIStandIn) -> Bot:
    endpoints: dict[str, Any] = {
        "local-vllm": {"base_url": f"{local.base_url}/v1", "api_key": KEY, "supports_retrieve": False}
    }
    return approvals_bot(bot_factory, db_url, triage_endpoints=endpoints)


def test_model_list_on_vllm_says_where_the_list_came_from_and_how_to_switch_there(
    bot_factory: Callable[..., Bot], sqlite_url: str, local: OpenAIStandIn
) -> None:
    local.serves_like = "vllm"
    bot = local_bot(bot_factory, sqlite_url, local)

    said = ask(bot, "list local-vllm")
    assert "Fine-tuned models on `local-vllm`* (2), from its model list" in said
    assert f"`{LORA}` (from `{BASE}`" in said
    assert "`/model switch model-id on local-vllm [reason]`" in said
    assert "Other endpoints: `openai`" in said


def test_plain_model_list_names_the_other_endpoints(
    bot_factory: Callable[..., Bot], sqlite_url: str, local: OpenAIStandIn
) -> None:
    bot = local_bot(bot_factory, sqlite_url, local)
    said = ask(bot, "list")
    assert "from its fine-tuning jobs" in said or "lists no fine-tuned models" in said
    assert "`/model switch model-id [reason]`" in said
    assert "Other endpoints: `local-vllm`" in said


def test_check_accepts_an_endpoint_without_a_fine_tuning_api(
    bot_factory: Callable[..., Bot], sqlite_url: str, local: OpenAIStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    local.serves_like, local.litellm_status = "litellm", 500
    bot = local_bot(bot_factory, sqlite_url, local)
    check_command(argparse.Namespace(), bot.settings)
    out = capsys.readouterr().out
    (line,) = [text for text in out.splitlines() if "Endpoint local-vllm" in text]
    assert line.startswith("ok") and "no fine-tuning API" in line


def test_a_self_hosted_candidate_shows_no_shutdown_date_its_endpoint_did_not_report(
    bot_factory: Callable[..., Bot], sqlite_url: str, local: OpenAIStandIn
) -> None:
    local.serves_like = "vllm"
    # Recorded on the server, but vLLM has no such field: nothing may invent one for it.
    local.add_model(LORA, owned_by="vllm", lora_of=BASE, shutdown_date=date.today() + timedelta(days=10))
    bot = local_bot(bot_factory, sqlite_url, local)

    said = ask(bot, f"switch {LORA} on local-vllm self-hosted is cheaper")
    assert "waiting for a lead" in said and "shut" not in said
    (request,) = bot.rows(SwitchRequest)
    assert request.shutdown_date is None
    post = bot.slack.wait_for("chat.postMessage", lambda c: LORA in str(c.params.get("blocks")))[0]
    assert "shut" not in str(post.params["blocks"])


def test_the_sandbox_self_hosted_endpoint_is_a_vllm_server_of_its_own() -> None:
    from bot.sandbox.world import LORA_BASE, LORA_MODEL, sandbox_vllm

    vllm = sandbox_vllm("sk-x")
    assert vllm.serves_like == "vllm"
    assert set(vllm._models) == {LORA_BASE, LORA_MODEL}


async def test_a_server_without_get_model_by_id_is_asked_through_its_list(
    local: OpenAIStandIn, client: ModelClient
) -> None:
    local.serves_like = "vllm"  # GET /v1/models/{id} is a bare 404 there, not model_not_found
    info = await client.retrieve_model("local", LORA)
    assert (info.model_id, info.shutdown_date) == (LORA, None)
    with pytest.raises(ModelUnknown):
        await client.retrieve_model("local", "acme/nope")
