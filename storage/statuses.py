"""Status and kind values stored as plain strings (VARCHAR): one StrEnum per column, so code never spells them.

A StrEnum member *is* its string, so rows written before these enums existed read back unchanged and
comparisons with a column work in SQL and in Python alike.
"""

from __future__ import annotations

from enum import StrEnum


class RequestStatus(StrEnum):
    """`switch_requests.status`: a request is pending until exactly one of the closing states."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"  # by an approver, or withdrawn by its requester
    SUPERSEDED = "superseded"  # a newer request for the same change was published
    EXPIRED = "expired"  # nobody decided before `expires_at`
    STALE = "stale"  # the live model changed after the request was made


class RequestKind(StrEnum):
    """`switch_requests.kind` (and the plan a request is made from)."""

    SWITCH = "switch"
    ROLLBACK = "rollback"
    SHADOW = "shadow"  # start shadowing a candidate (bot/routing)
    CANARY = "canary"  # serve a share of live triages with a candidate (bot/routing)


class DeploymentKind(StrEnum):
    """`deployments.kind`: how a model became live."""

    INITIAL = "initial"
    SWITCH = "switch"
    ROLLBACK = "rollback"


class TriageStatus(StrEnum):
    """`triages.status`."""

    OK = "ok"
    FAILED = "failed"


class EvalRunStatus(StrEnum):
    """`eval_runs.status`."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"  # every case errored: not a result to act on


class JobRunStatus(StrEnum):
    """`job_runs.status`: one claimed firing of a scheduled job."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class QualityCheckKind(StrEnum):
    """`quality_checks.kind`."""

    EVAL = "eval"
    REVIEW = "review"
