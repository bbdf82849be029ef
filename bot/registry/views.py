"""What the registry hands to the Slack layer: read-only views of requests and deployments.

The rows satisfy these protocols as they are, so the domain returns them unchanged; the Slack layer
sees only these types (and the status enums), never a table, and the type checker refuses a write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from storage.statuses import DeploymentKind, RequestKind, RequestStatus

__all__ = ["DeploymentKind", "DeploymentView", "RequestKind", "RequestStatus", "RequestView"]


class RequestView(Protocol):
    """A switch request as read (`switch_requests`)."""

    @property
    def id(self) -> int | None: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def expires_at(self) -> datetime: ...

    @property
    def kind(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def requested_by(self) -> str: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def endpoint(self) -> str: ...

    @property
    def model_id(self) -> str: ...

    @property
    def percent(self) -> int | None:
        """A shadow or canary request's share of live triages (None for a switch or rollback)."""
        ...

    @property
    def from_deployment_id(self) -> int | None: ...

    @property
    def from_endpoint(self) -> str | None: ...

    @property
    def from_model_id(self) -> str | None: ...

    @property
    def shutdown_date(self) -> str | None: ...

    @property
    def decided_by(self) -> str | None: ...

    @property
    def decided_at(self) -> datetime | None: ...

    @property
    def decision_reason(self) -> str | None: ...

    @property
    def channel_id(self) -> str | None: ...

    @property
    def message_ts(self) -> str | None: ...

    @property
    def requester_channel_id(self) -> str | None: ...

    @property
    def candidate_run_id(self) -> int | None: ...

    @property
    def live_run_id(self) -> int | None: ...


class DeploymentView(Protocol):
    """One change of the live model as read (`deployments`)."""

    @property
    def id(self) -> int | None: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def endpoint(self) -> str: ...

    @property
    def model_id(self) -> str: ...

    @property
    def previous_endpoint(self) -> str | None: ...

    @property
    def previous_model_id(self) -> str | None: ...

    @property
    def kind(self) -> str: ...

    @property
    def requested_by(self) -> str: ...

    @property
    def approved_by(self) -> str | None: ...

    @property
    def reason(self) -> str | None: ...

    @property
    def override_reason(self) -> str | None: ...

    @property
    def request_id(self) -> int | None: ...

    @property
    def break_glass(self) -> bool: ...
