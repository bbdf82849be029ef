"""What `/model shadow …` and `/model canary …` ask for, once parsed: one shape for both."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RouteRequest:
    """A candidate (model on an endpoint) to shadow or canary on `percent` of live triages, and why."""

    model_id: str
    endpoint: str
    percent: int
    reason: str | None
