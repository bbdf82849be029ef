"""The sandbox's world: stand-ins for Slack and OpenAI, a SQLite database, and the real app, all local.

Credentials are generated at start and only ever travel over loopback. The OpenAI stand-in knows a
live fine-tuned-looking model, two candidates (one better on the golden cases, one worse) and a
model on a second, vLLM-like endpoint, so switching, eval gates and digests have something to show.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func
from sqlmodel import Session, select

from bot.server import serve_http_in_thread
from bot.settings import Settings
from bot.standins.openai_api import OpenAIStandIn
from bot.standins.slack_api import SlackStandIn
from storage.db import sync_url
from storage.migrate import upgrade
from storage.models import EvalCase

BASE_MODEL = "gpt-4o-mini-2024-07-18"
LIVE_MODEL = f"ft:{BASE_MODEL}:sandbox:triage:v1"
BETTER_MODEL = f"ft:{BASE_MODEL}:sandbox:triage:v2"
WORSE_MODEL = f"ft:{BASE_MODEL}:sandbox:triage-experimental:v3"
LORA_MODEL = "acme/triage-llama-3.1-8b-lora"
LORA_BASE = "meta-llama/Llama-3.1-8B-Instruct"
EXTRA_ENDPOINT = "local-vllm"
# OpenAI lists gpt-4o-mini-2024-07-18 (and so its fine-tunes) for shutdown on this day.
BASE_SHUTDOWN = date(2027, 1, 14)

USERS = {"U0SBAGENT": "agent", "U0SBLEAD": "lead"}
LEAD = "U0SBLEAD"
AGENT = "U0SBAGENT"
SUPPORT, APPROVALS, QUALITY = "C0SBSUPPORT", "C0SBAPPROVALS", "C0SBQUALITY"
CHANNELS = {SUPPORT: "support", APPROVALS: "approvals", QUALITY: "quality"}

# Golden cases the stand-in's keyword triager gets right, unless a model is scripted otherwise.
GOLDEN_CASES: list[tuple[str, str, str]] = [
    ("Our whole site is down since 9am, nothing loads", "critical", "outage"),
    ("I was charged twice for my subscription this month, please refund", "medium", "billing"),
    ("The export button is broken and shows an error", "high", "bug"),
    ("Would be nice to have dark mode, thanks!", "low", "feature_request"),
    ("I forgot my password and I'm locked out", "medium", "account"),
    ("Where can I download last month's invoice?", "medium", "billing"),
    ("The dashboard crashes when I open the reports tab", "medium", "bug"),
    ("Is there an outage? The status page says everything is fine", "critical", "outage"),
]
# Scripted mistakes: v1 gets two billing cases wrong, the experimental v3 gets four wrong.
MISTAKES: dict[str, list[str]] = {
    LIVE_MODEL: ["charged twice", "download last month"],
    WORSE_MODEL: ["charged twice", "download last month", "export button", "dark mode"],
}


@dataclass
class World:
    settings: Settings
    slack: SlackStandIn
    openai: OpenAIStandIn
    app_url: str
    signing_secret: str
    db_path: Path


def sandbox_openai(api_key: str) -> OpenAIStandIn:
    openai = OpenAIStandIn(api_key=api_key)
    openai.add_model(BASE_MODEL, owned_by="system", shutdown_date=BASE_SHUTDOWN)
    for model in (LIVE_MODEL, BETTER_MODEL, WORSE_MODEL):
        openai.add_model(model, owned_by="user-sandbox", shutdown_date=BASE_SHUTDOWN, fine_tune_of=BASE_MODEL)
    wrong = {"urgency": "low", "category": "other", "summary": "Customer question.", "next_step": "Reply."}
    for model, phrases in MISTAKES.items():
        for phrase in phrases:
            openai.script_for_model(model, phrase, wrong)
    return openai


def sandbox_vllm(api_key: str) -> OpenAIStandIn:
    """The self-hosted endpoint is its own server, behaving like vLLM: no fine-tuning API, LoRA
    adapters in its model list, and no shutdown dates (only OpenAI announces those)."""
    vllm = OpenAIStandIn(api_key=api_key)
    vllm.serves_like = "vllm"
    vllm.add_model(LORA_BASE, owned_by="vllm")
    vllm.add_model(LORA_MODEL, owned_by="vllm", lora_of=LORA_BASE)
    return vllm


def sandbox_settings(
    slack: SlackStandIn,
    openai: OpenAIStandIn,
    db_url: str,
    bot_token: str,
    secret: str,
    key: str,
    log_format: str,
    vllm: OpenAIStandIn | None = None,
) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": bot_token,
        "slack_signing_secret": secret,
        "slack_app_token": None,
        "slack_api_url": f"{slack.base_url}/api/",
        "openai_api_key": key,
        "openai_base_url": f"{openai.base_url}/v1",
        "triage_endpoints": {
            EXTRA_ENDPOINT: {
                "base_url": f"{(vllm or openai).base_url}/v1",
                "api_key": key,
                "supports_retrieve": False,
            }
        },
        "database_url": db_url,
        "triage_default_model": LIVE_MODEL,
        "triage_approval_channel": APPROVALS,
        "triage_approvers": [LEAD],
        "triage_approver_group": None,
        "triage_digest_channel": QUALITY,
        "triage_model_timeout": 10.0,
        "triage_log_format": log_format,
    }
    return Settings(_env_file=None, **values)


def seed_golden_cases(db_url: str) -> None:
    engine = create_engine(sync_url(db_url))
    try:
        with Session(engine) as session:
            if session.exec(select(func.count()).select_from(EvalCase)).one():
                return
            for text, urgency, category in GOLDEN_CASES:
                session.add(
                    EvalCase(
                        input_text=text, expected_urgency=urgency, expected_category=category, note="sandbox"
                    )
                )
            session.commit()
    finally:
        engine.dispose()


@contextmanager
def sandbox_world(db_path: Path, *, fresh: bool = False, log_format: str = "plain") -> Iterator[World]:
    if fresh:
        for leftover in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            leftover.unlink(missing_ok=True)
    db_url = f"sqlite:///{db_path.resolve()}"
    upgrade(db_url)
    seed_golden_cases(db_url)
    bot_token = f"xoxb-sandbox-{secrets.token_hex(12)}"
    secret, key = secrets.token_hex(16), f"sk-sandbox-{secrets.token_hex(16)}"
    slack = SlackStandIn(bot_token=bot_token)
    openai = sandbox_openai(key)
    vllm = sandbox_vllm(key)
    with slack.serve(), openai.serve(), vllm.serve():
        settings = sandbox_settings(slack, openai, db_url, bot_token, secret, key, log_format, vllm)
        with serve_http_in_thread(settings, name="sandbox-app") as (app_url, _services):
            yield World(settings, slack, openai, app_url, secret, db_path)
