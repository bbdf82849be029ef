"""What the triage domain hands to the Slack layer: read-only views of triages and their shares."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from storage.models import DeliveryStatus

__all__ = ["DeliveryStatus", "TriageShareView", "TriageView"]


class TriageView(Protocol):
    """One triage attempt as read (`triages`)."""

    @property
    def id(self) -> int | None: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def source(self) -> str: ...

    @property
    def user_id(self) -> str | None: ...

    @property
    def channel_id(self) -> str | None: ...

    @property
    def input_text(self) -> str: ...

    @property
    def endpoint(self) -> str: ...

    @property
    def model_id(self) -> str: ...

    @property
    def prompt_version(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def error_kind(self) -> str | None: ...

    @property
    def error_message(self) -> str | None: ...

    @property
    def urgency(self) -> str | None: ...

    @property
    def category(self) -> str | None: ...

    @property
    def summary(self) -> str | None: ...

    @property
    def next_step(self) -> str | None: ...

    @property
    def response_mode(self) -> str | None: ...

    @property
    def latency_ms(self) -> int | None: ...

    @property
    def prompt_tokens(self) -> int | None: ...

    @property
    def completion_tokens(self) -> int | None: ...

    @property
    def delivery_status(self) -> str | None: ...


class TriageShareView(Protocol):
    """A triage result shared in a channel (`triage_shares`)."""

    @property
    def triage_id(self) -> int: ...

    @property
    def shared_by(self) -> str: ...

    @property
    def channel_id(self) -> str | None: ...

    @property
    def shared_at(self) -> datetime: ...
