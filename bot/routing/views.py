"""What shadow routing hands to the Slack layer: a read-only view of a route, and its enums."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from storage.models import CanaryState, ShadowState, ShadowVerdict

__all__ = ["CanaryRouteView", "CanaryState", "ShadowRouteView", "ShadowState", "ShadowVerdict"]


class ShadowRouteView(Protocol):
    """One shadowing of a candidate as read (`shadow_routes`)."""

    @property
    def id(self) -> int | None: ...

    @property
    def started_at(self) -> datetime: ...

    @property
    def started_by(self) -> str: ...

    @property
    def endpoint(self) -> str: ...

    @property
    def model_id(self) -> str: ...

    @property
    def percent(self) -> int: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def state(self) -> str: ...

    @property
    def ended_at(self) -> datetime | None: ...

    @property
    def ended_by(self) -> str | None: ...

    @property
    def end_reason(self) -> str | None: ...

    @property
    def skipped_by_cap(self) -> int: ...

    @property
    def approved_by(self) -> str | None: ...

    @property
    def request_id(self) -> int | None: ...


class CanaryRouteView(Protocol):
    """One canary as read (`canary_routes`)."""

    @property
    def id(self) -> int | None: ...

    @property
    def started_at(self) -> datetime: ...

    @property
    def started_by(self) -> str: ...

    @property
    def approved_by(self) -> str | None: ...

    @property
    def endpoint(self) -> str: ...

    @property
    def model_id(self) -> str: ...

    @property
    def percent(self) -> int: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def state(self) -> str: ...

    @property
    def ended_at(self) -> datetime | None: ...

    @property
    def ended_by(self) -> str | None: ...

    @property
    def end_reason(self) -> str | None: ...
