"""Configuration from the environment and `.env`: the only module that reads either."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_CATEGORIES = ["billing", "bug", "account", "feature_request", "outage", "other"]
DEFAULT_ENDPOINT = "openai"
# A static_select holds at most 100 options, and triages store the category in VARCHAR(64).
MAX_CATEGORIES = 100
MAX_CATEGORY_CHARS = 64
KNOWN_DRIVERS = {
    "sqlite": ("pysqlite", "aiosqlite"),
    "postgresql": ("psycopg", "psycopg2", "asyncpg"),
    "postgres": ("psycopg", "psycopg2", "asyncpg"),
}
CATEGORY_LABEL = re.compile(r"[a-z0-9][a-z0-9_-]*")

# Where an operator finds each value: the error message names it, so nobody has to read code.
WHERE_TO_GET: dict[str, str] = {
    "SLACK_BOT_TOKEN": "Slack app settings > OAuth & Permissions > Bot User OAuth Token (xoxb-...)",
    "SLACK_SIGNING_SECRET": "Slack app settings > Basic Information > App Credentials > Signing Secret",
    "SLACK_APP_TOKEN": "Slack app settings > Basic Information > App-Level Tokens, scope connections:write "
    "(xapp-...)",
    "OPENAI_API_KEY": "platform.openai.com > API keys (or your OpenAI-compatible server's key)",
    "TRIAGE_DEFAULT_MODEL": "the model ID to serve until a switch is approved, e.g. ft:gpt-4o-mini-2024-07-18:acme::abc123",
    "DATABASE_URL": "sqlite:///./triagebot.db or postgresql+psycopg://user:pass@host/db",
}


class EndpointConfig(BaseModel):
    """An extra OpenAI-compatible endpoint a deployment may point at (vLLM, Azure, a hosted provider)."""

    base_url: str
    api_key: SecretStr = SecretStr("none")
    # Not every compatible server implements GET /models/{id}; those are checked against the list.
    supports_retrieve: bool = True


class Endpoint(BaseModel):
    name: str
    base_url: str | None
    api_key: SecretStr | None
    supports_retrieve: bool = True


class SettingsError(Exception):
    """Configuration is missing or invalid; the message is meant for the operator, verbatim."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    triage_endpoints: dict[str, EndpointConfig] = Field(default_factory=dict)

    database_url: str = "sqlite:///./triagebot.db"

    triage_default_model: str | None = None
    triage_categories: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(DEFAULT_CATEGORIES)
    )
    triage_max_input_chars: int = Field(default=8000, gt=0)
    triage_model_timeout: float = Field(default=20.0, gt=0)
    triage_model_max_retries: int = Field(default=2, ge=0, le=10)
    # Triages one member may run per minute (each is a model call); 0 turns the limit off.
    triage_rate_limit_per_user: int = Field(default=30, ge=0)
    # Candidate calls all processes together may make per UTC day while shadowing (`/model shadow`).
    triage_shadow_daily_calls: int = Field(default=2000, ge=0)
    # A canary is aborted automatically (bot/routing/abort.py) once its candidate served this many
    # triages and fails more often than the rate, or answers slower than the p95 (unset: twice live's).
    triage_canary_min_sample: int = Field(default=20, ge=1)
    triage_canary_max_error_rate: float = Field(default=0.05, ge=0, le=1)
    triage_canary_max_p95_ms: int | None = Field(default=None, ge=1)
    openai_strict_validation: bool = False

    triage_approval_channel: str | None = None
    triage_approvers: Annotated[list[str], NoDecode] = Field(default_factory=list)
    triage_approver_group: str | None = None
    triage_approval_ttl_hours: float = Field(default=24.0, gt=0)

    triage_eval_concurrency: int = Field(default=8, ge=1, le=128)
    triage_quality_bar: float | None = Field(default=None, ge=0, le=1)
    triage_eval_cron: str = "0 2 * * *"
    triage_digest_cron: str = "0 9 * * 1-5"
    triage_timezone: str = "UTC"
    triage_digest_channel: str | None = None
    # A class whose recall drops by more than this many points needs an override, whatever the pass rate.
    triage_gate_max_class_drop: float = Field(default=10.0, ge=0, le=100)
    # Monitors: per-monitor overrides of the defaults (bot/monitors/specs.py), and where incidents go.
    # Their meaning is the domain's: checked at start-up by bot/startup.py, which names the variable.
    triage_monitors: dict[str, dict[str, Any]] = Field(default_factory=dict)
    triage_alert_channel: str | None = None
    # Prices per model (bot/quality/costs.py); unset: costs are shown as unknown.
    triage_prices: list[Any] = Field(default_factory=list)
    # The live model is snapshotted automatically from this many days before its shutdown date (issue 12).
    triage_snapshot_days_before_shutdown: int = Field(default=30, ge=1, le=365)

    triage_log_format: Literal["plain", "json"] = "plain"
    port: int = Field(default=3000, ge=0, le=65535)
    # Worker processes of `triagebot serve` over HTTP (the usual variable of Python web servers);
    # unset: one per core. `--workers N` wins over it.
    web_concurrency: int | None = Field(default=None, ge=1, le=64)

    @field_validator("triage_categories", "triage_approvers", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("triage_categories")
    @classmethod
    def _categories_usable(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one category label")
        if len(value) > MAX_CATEGORIES:
            raise ValueError(f"has {len(value)} labels; at most {MAX_CATEGORIES} fit the review modal's menu")
        long = [label for label in value if len(label) > MAX_CATEGORY_CHARS]
        if long:
            raise ValueError(
                f"labels are stored in {MAX_CATEGORY_CHARS} characters at most: {', '.join(long[:3])}"
            )
        odd = [label for label in value if not CATEGORY_LABEL.fullmatch(label)]
        if odd:
            raise ValueError(
                "labels use lowercase letters, digits, '_' and '-' only (e.g. feature_request): "
                + ", ".join(repr(label) for label in odd[:3])
            )
        duplicates = sorted({label for label in value if value.count(label) > 1})
        if duplicates:
            raise ValueError(f"category labels must be unique: {', '.join(duplicates)} repeated")
        return value

    @field_validator("triage_eval_cron", "triage_digest_cron")
    @classmethod
    def _cron_parses(cls, value: str) -> str:
        # Checked here, not when the scheduler starts: a bad value must stop start-up, not a job.
        from bot.cron import cron_trigger
        from bot.errors import InvalidInput

        try:
            cron_trigger(value, "UTC")
        except InvalidInput as exc:
            raise ValueError(f"{exc.user_message} (crontab syntax, e.g. '0 9 * * 1-5')") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(f"not a database URL; use {WHERE_TO_GET['DATABASE_URL']}") from None
        if url.get_backend_name() not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(
                f"{url.get_backend_name()!r} is not supported; use {WHERE_TO_GET['DATABASE_URL']}"
            )
        driver = url.drivername.partition("+")[2]
        if driver and driver not in KNOWN_DRIVERS[url.get_backend_name()]:
            # The driver named is replaced by the one we run with; an unknown one is a typo.
            raise ValueError(f"unknown database driver {driver!r}; use {WHERE_TO_GET['DATABASE_URL']}")
        if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
            # Every connection to an in-memory SQLite database gets a database of its own, and the bot
            # holds several (storage.driver): the data would not be shared.
            raise ValueError(f"an in-memory SQLite database cannot be shared; give it a file: {WHERE_TO_GET['DATABASE_URL']}")
        return value

    @property
    def max_class_drop(self) -> float:
        """TRIAGE_GATE_MAX_CLASS_DROP as a share (10 points: 0.10)."""
        return self.triage_gate_max_class_drop / 100

    @field_validator("triage_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)") from exc
        return value

    @cached_property
    def endpoints(self) -> dict[str, Endpoint]:
        found = {
            DEFAULT_ENDPOINT: Endpoint(
                name=DEFAULT_ENDPOINT, base_url=self.openai_base_url, api_key=self.openai_api_key
            )
        }
        for name, cfg in self.triage_endpoints.items():
            found[name] = Endpoint(
                name=name, base_url=cfg.base_url, api_key=cfg.api_key, supports_retrieve=cfg.supports_retrieve
            )
        return found

    def require(self, *names: str) -> None:
        """Raise one SettingsError naming every missing variable and where to get it."""
        missing = [name for name in names if not getattr(self, name.lower())]
        if missing:
            lines = [f"  {name}: {WHERE_TO_GET.get(name, 'see README.md')}" for name in missing]
            raise SettingsError(
                "triagebot is not configured. Missing setting(s):\n"
                + "\n".join(lines)
                + "\nPut them in .env or the environment (see README.md, 'Settings')."
            )

    def secrets(self) -> list[str]:
        """Every secret value configured, so log filters can redact them."""
        values = [self.slack_bot_token, self.slack_signing_secret, self.slack_app_token, self.openai_api_key]
        values += [cfg.api_key for cfg in self.triage_endpoints.values()]
        return [v.get_secret_value() for v in values if v is not None and len(v.get_secret_value()) >= 6]


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning pydantic's validation report into one operator-facing message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = "_".join(str(part) for part in err["loc"] if isinstance(part, str)).upper() or "settings"
            problems.append(f"  {name}: {err['msg']}")
        raise SettingsError(
            "triagebot's configuration is invalid:\n" + "\n".join(problems) + "\nFix .env or the environment."
        ) from None
