"""`sandbox.env`: the settings that point the `triagebot` command line at a running sandbox, so
`eval run`, `check` or `snapshot record` can be tried without an OpenAI account or a workspace.

A file, not a printed line: it holds the sandbox's throwaway keys, and keys are never printed.
Not named `.env`, which `make run` reads: that would turn the next `make run` into a real server.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from bot.settings import Settings


def write_cli_env(settings: Settings, db_path: Path) -> Path:
    path = db_path.with_name("sandbox.env")
    values = {
        "DATABASE_URL": settings.database_url,
        "TRIAGE_DEFAULT_MODEL": settings.triage_default_model or "",
        "OPENAI_API_KEY": settings.openai_api_key.get_secret_value() if settings.openai_api_key else "",
        "OPENAI_BASE_URL": settings.openai_base_url or "",
        "TRIAGE_ENDPOINTS": json.dumps(
            {
                name: {**cfg.model_dump(), "api_key": cfg.api_key.get_secret_value()}
                for name, cfg in settings.triage_endpoints.items()
            }
        ),
        "SLACK_BOT_TOKEN": settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else "",
        "SLACK_SIGNING_SECRET": settings.slack_signing_secret.get_secret_value()
        if settings.slack_signing_secret
        else "",
        "SLACK_API_URL": settings.slack_api_url,
        "TRIAGE_APPROVAL_CHANNEL": settings.triage_approval_channel or "",
        "TRIAGE_DIGEST_CHANNEL": settings.triage_digest_channel or "",
    }
    text = "".join(f"{key}='{value}'\n" for key, value in values.items())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return path
