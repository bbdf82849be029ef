"""The eval set as a promptfoo config and back (issue 12: portability after OpenAI's Evals API)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import jsonschema
import yaml

from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from tests.support.app_under_test import LIVE_MODEL, OPENAI_KEY
from tests.support.cli_process import run
from tests.support.paths import TEST_DATA
from tests.support.quality_services import CASES, open_services, seed_cases

SCHEMA = TEST_DATA / "promptfoo-config-schema.subset.json"


async def test_export_is_a_valid_promptfoo_config_that_imports_back(
    sqlite_url: str, slack_standin: SlackStandIn, openai_standin: OpenAIStandIn, tmp_path: Path
) -> None:
    async with open_services(sqlite_url, slack_standin, openai_standin) as built:
        await seed_cases(built)
    env = {
        "DATABASE_URL": sqlite_url,
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": f"{openai_standin.base_url}/v1",
        "TRIAGE_DEFAULT_MODEL": LIVE_MODEL,
    }
    target = tmp_path / "promptfooconfig.yaml"
    exported = await asyncio.to_thread(
        run, tmp_path, "eval", "export", "--format", "promptfoo", "--output", str(target), **env
    )
    assert exported.returncode == 0, exported.stderr
    text = target.read_text()
    assert OPENAI_KEY not in text  # promptfoo reads the key from OPENAI_API_KEY
    config = yaml.safe_load(text)
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(config)

    (provider,) = config["providers"]
    assert provider["id"] == f"openai:chat:{LIVE_MODEL}"
    assert provider["config"]["apiBaseUrl"] == f"{openai_standin.base_url}/v1"
    assert provider["config"]["response_format"]["json_schema"]["strict"] is True
    messages = json.loads(config["prompts"][0]["raw"])
    assert messages[-1] == {"role": "user", "content": "{{input}}"}
    assert len(config["tests"]) == len(CASES)
    first = config["tests"][0]
    assert first["vars"]["input"] == CASES[0]["input"]
    assert {
        "type": "javascript",
        "value": "JSON.parse(output).urgency === 'critical'",
        "metric": "urgency",
    } in first["assert"]

    other_db = f"sqlite:///{tmp_path / 'other.db'}"
    assert (
        await asyncio.to_thread(run, tmp_path, "migrate", **{**env, "DATABASE_URL": other_db})
    ).returncode == 0
    imported = await asyncio.to_thread(
        run, tmp_path, "eval", "import", str(target), **{**env, "DATABASE_URL": other_db}
    )
    assert imported.returncode == 0, imported.stderr
    assert f"Imported {len(CASES)} case(s)" in imported.stdout


def test_a_broken_promptfoo_file_imports_nothing_and_names_each_test(tmp_path: Path) -> None:
    from bot.errors import InvalidInput
    from bot.quality.promptfoo import parse_promptfoo

    bad = yaml.safe_dump(
        {
            "prompts": ["{{input}}"],
            "tests": [
                {
                    "vars": {"input": "fine"},
                    "assert": [
                        {"type": "javascript", "value": "JSON.parse(output).urgency === 'high'"},
                        {"type": "javascript", "value": "JSON.parse(output).category === 'billing'"},
                    ],
                },
                {"vars": {"input": "no labels"}},
                "file://more_tests.yaml",
            ],
        }
    )
    try:
        parse_promptfoo(bad, ["billing", "bug"], 8000)
    except InvalidInput as exc:
        said = exc.user_message
    else:
        raise AssertionError("a broken file was accepted")
    assert "Nothing was imported: 2 test(s) need fixing" in said
    assert "test 2: expected.urgency null" in said and "test 3: not a test case" in said
