"""The golden eval set as a promptfoo config, and back.

OpenAI's Evals API shut down on 2026-11-30 and OpenAI points its users to promptfoo. The export
runs as it is with `promptfoo eval -c FILE`: one prompt (the bot's own system prompt and the
customer's message), one provider (the live model on its endpoint, with the bot's JSON schema), and
one test per golden case asserting urgency and category. The import reads the same shape back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import yaml

from bot.errors import InvalidInput
from bot.quality.eval_set import CaseInput, _problem, _problems_message
from bot.triage import PROMPT_VERSION, answer_model, system_prompt
from storage.models import EvalCase

SCHEMA_URL = "https://promptfoo.dev/config-schema.json"
OPENAI_BASE_URL = "https://api.openai.com/v1"
_ASSERTED = re.compile(r"JSON\.parse\(output\)\.(urgency|category) === '((?:[^'\\]|\\.)*)'")


def _js_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _field_assertion(field: str, value: str) -> dict[str, Any]:
    return {
        "type": "javascript",
        "value": f"JSON.parse(output).{field} === '{_js_string(value)}'",
        "metric": field,
    }


def promptfoo_config(
    cases: Sequence[EvalCase], *, endpoint: str, base_url: str | None, model_id: str, categories: list[str]
) -> dict[str, Any]:
    schema = answer_model(tuple(categories)).model_json_schema()
    messages = [
        {"role": "system", "content": system_prompt(tuple(categories))},
        {"role": "user", "content": "{{input}}"},
    ]
    provider: dict[str, Any] = {
        "id": f"openai:chat:{model_id}",
        "label": f"{model_id} on {endpoint}",
        "config": {
            "temperature": 0,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "triage", "strict": True, "schema": schema},
            },
        },
    }
    if base_url and base_url.rstrip("/") != OPENAI_BASE_URL:
        provider["config"]["apiBaseUrl"] = base_url  # the key comes from OPENAI_API_KEY, never the file
    tests = []
    for case in cases:
        test: dict[str, Any] = {
            "description": f"golden case #{case.id}",
            "vars": {"input": case.input_text},
            "assert": [
                {"type": "is-json"},
                _field_assertion("urgency", case.expected_urgency),
                _field_assertion("category", case.expected_category),
            ],
            "metadata": {"triagebot_case_id": case.id},
        }
        if case.note:
            test["metadata"]["note"] = case.note
        tests.append(test)
    return {
        "description": f"triagebot golden eval set ({len(tests)} cases, prompt {PROMPT_VERSION})",
        "prompts": [{"label": PROMPT_VERSION, "raw": json.dumps(messages, ensure_ascii=False)}],
        "providers": [provider],
        "tests": tests,
    }


def to_yaml(config: dict[str, Any]) -> str:
    head = f"# yaml-language-server: $schema={SCHEMA_URL}\n# Run with: OPENAI_API_KEY=… npx promptfoo@latest eval -c THIS_FILE\n"
    return head + yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=110)


def looks_like_promptfoo(text: str) -> bool:
    first = next(
        (line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")), ""
    )
    return not first.startswith("{")


def parse_promptfoo(text: str, categories: list[str], max_chars: int) -> list[CaseInput]:
    """Golden cases from a promptfoo config: each test's `vars.input` and its urgency/category
    assertions. All or nothing, problems named by test number."""
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(
            f"Nothing was imported: the file is neither JSONL nor valid YAML ({exc})."
        ) from None
    tests = config.get("tests") if isinstance(config, dict) else None
    if not isinstance(tests, list) or not tests:
        raise InvalidInput("Nothing was imported: the promptfoo file has no `tests` list.")
    cases: list[CaseInput] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, test in enumerate(tests, start=1):
        if not isinstance(test, dict):
            problems.append(f"test {number}: not a test case (a file path or string); inline tests only")
            continue
        expected: dict[str, str] = {}
        for assertion in test.get("assert") or []:
            if isinstance(assertion, dict) and isinstance(assertion.get("value"), str):
                for field, value in _ASSERTED.findall(assertion["value"]):
                    expected[field] = value.replace("\\'", "'").replace("\\\\", "\\")
        vars_, metadata = test.get("vars"), test.get("metadata")
        vars_ = vars_ if isinstance(vars_, dict) else {}
        metadata = metadata if isinstance(metadata, dict) else {}
        obj = {"input": vars_.get("input"), "expected": expected, "note": metadata.get("note")}
        problem, case = _problem(obj, categories, max_chars)
        if case is not None and case.input_text in seen:
            problem = f"same input as test {seen[case.input_text]}"
        if problem or case is None:
            problems.append(f"test {number}: {problem}")
            continue
        seen[case.input_text] = number
        cases.append(CaseInput(number, case.input_text, case.urgency, case.category, case.note))
    if problems:
        raise InvalidInput(_problems_message(problems).replace("line(s)", "test(s)"))
    return cases
