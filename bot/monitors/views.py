"""What the monitors hand to the Slack layer: a read-only view of an incident."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["IncidentView"]


class IncidentView(Protocol):
    """One monitor's incident as read (`incidents`)."""

    @property
    def id(self) -> int | None: ...

    @property
    def monitor(self) -> str: ...

    @property
    def endpoint(self) -> str: ...

    @property
    def model_id(self) -> str: ...

    @property
    def level(self) -> str: ...

    @property
    def worst_level(self) -> str: ...

    @property
    def value(self) -> float | None: ...

    @property
    def detail(self) -> str | None: ...

    @property
    def opened_at(self) -> datetime: ...

    @property
    def updated_at(self) -> datetime: ...

    @property
    def resolved_at(self) -> datetime | None: ...

    @property
    def muted_until(self) -> datetime | None: ...

    @property
    def muted_by(self) -> str | None: ...
