"""Tables. Every schema change goes through an Alembic migration in storage/migrations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect, Index, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from storage.statuses import RequestStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend: SQLite keeps no offset, so we store UTC and re-attach it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _when(nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class Deployment(SQLModel, table=True):
    """One row per change of the live model; the newest row is what traffic runs on."""

    __tablename__ = "deployments"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(index=True))
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    previous_endpoint: str | None = Field(default=None, max_length=64)
    previous_model_id: str | None = Field(default=None, max_length=256)
    kind: str = Field(max_length=16)  # initial | switch | rollback
    requested_by: str = Field(max_length=64)
    approved_by: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    override_reason: str | None = Field(default=None, sa_column=Column(Text))
    request_id: int | None = Field(default=None, foreign_key="switch_requests.id")
    # An approver's immediate rollback: nobody approved it, and it must never read as a self-approval.
    break_glass: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class SwitchRequest(SQLModel, table=True):
    """A proposed change of the live model waiting for a team lead."""

    __tablename__ = "switch_requests"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    expires_at: datetime = Field(sa_column=_when())
    kind: str = Field(max_length=16)  # switch | rollback
    status: str = Field(default=RequestStatus.PENDING, max_length=16, index=True)
    requested_by: str = Field(max_length=64)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    # The live deployment the request was made against: approving after it changed is refused.
    from_deployment_id: int | None = Field(default=None)
    from_endpoint: str | None = Field(default=None, max_length=64)
    from_model_id: str | None = Field(default=None, max_length=256)
    shutdown_date: str | None = Field(default=None, max_length=32)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    decision_reason: str | None = Field(default=None, sa_column=Column(Text))
    channel_id: str | None = Field(default=None, max_length=64)
    message_ts: str | None = Field(default=None, max_length=32)
    requester_channel_id: str | None = Field(default=None, max_length=64)
    candidate_run_id: int | None = Field(default=None)
    live_run_id: int | None = Field(default=None)
    # shadow | canary requests: the share of live triages asked for (None for switch | rollback).
    percent: int | None = Field(default=None)


class DeliveryStatus(StrEnum):
    """Where a triage's answer reached the agent (None on rows older than delivery tracking)."""

    PENDING = "pending"  # answer recorded, not yet shown anywhere
    DELIVERED = "delivered"  # where it was asked for: the thread, or the response_url
    FALLBACK = "fallback"  # the thread was closed to the bot; shown privately through the response_url
    UNDELIVERED = "undelivered"  # produced and stored, but every route to the agent failed
    INTERRUPTED = "interrupted"  # the process had to stop before the model answered


class Triage(SQLModel, table=True):
    """Every triage attempt, successful or not: quality checks and digests are built on these rows."""

    __tablename__ = "triages"
    __table_args__ = (
        Index("ix_triages_model_created", "model_id", "created_at"),
        # Covering indexes for the digest's aggregates of one model (endpoint + ID): migration 0005;
        # with the token counts since 0011, so a model's spend in a period is one range of the index.
        Index(
            "ix_triages_model_endpoint_created_usage",
            "model_id",
            "endpoint",
            "created_at",
            "status",
            "latency_ms",
            "prompt_tokens",
            "completion_tokens",
        ),
        Index(
            "ix_triages_model_endpoint_status_latency",
            "model_id",
            "endpoint",
            "status",
            "latency_ms",
            "created_at",
        ),
        # An agent's own recent triages (`/triage history`, App Home).
        Index("ix_triages_user_created", "user_id", "created_at"),
        # One canary's triages by arm (abort checks, evidence): migration 0010_c1.
        Index("ix_triages_canary_arm_created", "canary_id", "arm", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when(index=True))
    source: str = Field(max_length=16)  # command | shortcut | mention | eval
    user_id: str | None = Field(default=None, max_length=64)
    channel_id: str | None = Field(default=None, max_length=64)
    input_text: str = Field(sa_column=Column(Text, nullable=False))
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    prompt_version: str = Field(max_length=32)
    status: str = Field(max_length=16)  # ok | failed
    error_kind: str | None = Field(default=None, max_length=32)
    error_message: str | None = Field(default=None, sa_column=Column(Text))
    urgency: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=64)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    next_step: str | None = Field(default=None, sa_column=Column(Text))
    response_mode: str | None = Field(default=None, max_length=16)  # json_schema | json_object
    latency_ms: int | None = Field(default=None)
    prompt_tokens: int | None = Field(default=None)
    completion_tokens: int | None = Field(default=None)
    delivery_status: str | None = Field(default=None, max_length=16)  # DeliveryStatus
    # Which arm served it (TriageArm; None on rows older than canaries) and, during a canary, which one.
    arm: str | None = Field(default=None, max_length=16)
    canary_id: int | None = Field(default=None)
    # The canary candidate's failure when this triage fell back to the live model.
    candidate_error: str | None = Field(default=None, max_length=32)


class EvalCase(SQLModel, table=True):
    """A golden case: what the model must answer for this input."""

    __tablename__ = "eval_cases"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    input_text: str = Field(sa_column=Column(Text, nullable=False))
    expected_urgency: str = Field(max_length=16)
    expected_category: str = Field(max_length=64)
    note: str | None = Field(default=None, sa_column=Column(Text))
    source_triage_id: int | None = Field(default=None, foreign_key="triages.id")
    # Corrected expectations make older runs stale, like a new case does (the eval gate reads this).
    updated_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    # A retired case is no longer run; its past checks stay, so old runs keep their meaning.
    retired_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class EvalCaseChange(SQLModel, table=True):
    """Every correction or retirement of a golden case: who, when, why, and what it was before."""

    __tablename__ = "eval_case_changes"

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="eval_cases.id", index=True)
    changed_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    changed_by: str = Field(max_length=64)  # a Slack user ID, or cli:<login>
    action: str = Field(max_length=16)  # edit | retire
    before: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    reason: str | None = Field(default=None, sa_column=Column(Text))


class EvalRun(SQLModel, table=True):
    """One pass of the eval set against one model."""

    __tablename__ = "eval_runs"
    __table_args__ = (Index("ix_eval_runs_model_started", "model_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    finished_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    trigger: str = Field(max_length=32)  # cli | command | schedule | switch_request
    requested_by: str | None = Field(default=None, max_length=64)
    status: str = Field(default="running", max_length=16)  # running | finished | failed
    case_count: int = 0
    passed_count: int = 0
    error_count: int = 0


class QualityCheck(SQLModel, table=True):
    """One verdict on one answer of a model: an eval case run, or a reviewer's click."""

    __tablename__ = "quality_checks"
    __table_args__ = (
        Index("ix_quality_checks_kind_created", "kind", "created_at"),
        Index("ix_quality_checks_run", "run_id"),
        Index("ix_quality_checks_model_created", "model_id", "created_at"),
        # Covering index for the digest's review counts per model (migration 0005).
        Index(
            "ix_quality_checks_kind_created_endpoint_model",
            "kind",
            "created_at",
            "endpoint",
            "model_id",
            "passed",
        ),
        # Triages judged by two reviewers or more (the human ceiling), read in triage order without a
        # sort (migration 0010_e1).
        Index("ix_quality_checks_kind_triage_reviewer", "kind", "triage_id", "reviewer"),
        # One model's answered eval cases in a period, with what they used (the spend): migration 0011.
        # Partial (answered checks only), so it never holds an error's text.
        Index(
            "ix_quality_checks_answered_usage",
            "kind",
            "model_id",
            "endpoint",
            "created_at",
            "prompt_tokens",
            "completion_tokens",
            "latency_ms",
            sqlite_where=sql_text("error IS NULL"),
            postgresql_where=sql_text("error IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    kind: str = Field(max_length=16)  # eval | review
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    run_id: int | None = Field(default=None, foreign_key="eval_runs.id")
    case_id: int | None = Field(default=None, foreign_key="eval_cases.id")
    triage_id: int | None = Field(default=None, foreign_key="triages.id", index=True)
    passed: bool
    urgency_match: bool | None = None
    category_match: bool | None = None
    output: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    latency_ms: int | None = None
    # An eval answer's token counts (migration 0010_e1): a run's cost per triage; None before then.
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = Field(default=None, sa_column=Column(Text))
    reviewer: str | None = Field(default=None, max_length=64)
    expected_urgency: str | None = Field(default=None, max_length=16)
    expected_category: str | None = Field(default=None, max_length=64)
    note: str | None = Field(default=None, sa_column=Column(Text))


class JobRun(SQLModel, table=True):
    """A claimed firing of a scheduled job; the unique key lets exactly one process win it."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job_name", "scheduled_for", name="uq_job_runs_job_time"),)

    id: int | None = Field(default=None, primary_key=True)
    job_name: str = Field(max_length=64)
    scheduled_for: datetime = Field(sa_column=_when())
    claimed_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    claimed_by: str = Field(max_length=128)
    finished_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    status: str = Field(default="running", max_length=16)  # running | done | failed
    attempts: int = 1
    error: str | None = Field(default=None, sa_column=Column(Text))


class SeenRequest(SQLModel, table=True):
    """A Slack delivery already acted on, so a replay or a retry is not acted on twice.

    Keys: ``sig:<v0 signature>`` (an exact replay of a signed request), ``event:<event_id>``
    (Events API retries, whatever their reason), ``mention:<channel>:<ts>`` (one message, one answer).
    Rows older than the replay window are deleted.
    """

    __tablename__ = "seen_requests"

    key: str = Field(primary_key=True, max_length=160)
    seen_at: datetime = Field(default_factory=utcnow, sa_column=_when(index=True))


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # refused for good (e.g. channel_not_found) or out of attempts


class OutboxMessage(SQLModel, table=True):
    """A Slack side effect of a decision, written in the decision's own transaction.

    A worker in every process claims due rows and sends them; ``dedupe_key`` makes the same effect
    impossible to enqueue twice, ``claimed_until`` keeps two processes from sending one row at once.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    dedupe_key: str = Field(max_length=160, unique=True)
    method: str = Field(max_length=64)  # a Web API method, or "response_url"
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=OutboxStatus.PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    claimed_until: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    # What Slack answered that later calls need: the channel and ts of a posted message, so an
    # edit queued before the post went out can name it (migration 0009_w1; see bot/outbox/effects).
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class UsageCounter(SQLModel, table=True):
    """Calls counted per key (``triage:<user>``) per fixed window, shared by every process."""

    __tablename__ = "usage_counters"
    __table_args__ = (Index("ix_usage_counters_window", "window_start"),)

    key: str = Field(primary_key=True, max_length=128)
    window_start: datetime = Field(sa_column=Column(UTCDateTime(), primary_key=True))
    count: int = 0


class Incident(SQLModel, table=True):
    """A monitor's crossing of its thresholds: one Slack message, edited in place, resolved once."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_monitor_resolved", "monitor", "resolved_at"),
        # One open incident per monitor, even if two evaluations ever overlap (migration 0009_w1).
        Index(
            "ux_incidents_open_monitor",
            "monitor",
            unique=True,
            sqlite_where=sql_text("resolved_at IS NULL"),
            postgresql_where=sql_text("resolved_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    monitor: str = Field(max_length=64)
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    level: str = Field(max_length=16)  # bot.monitors.specs.Level: warning | alert
    worst_level: str = Field(max_length=16)
    value: float | None = None
    detail: str | None = Field(default=None, sa_column=Column(Text))
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    resolved_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    muted_until: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    muted_by: str | None = Field(default=None, max_length=64)


class Snapshot(SQLModel, table=True):
    """A model's answers to the eval set and recent live inputs, frozen: evidence that outlives the
    model (OpenAI's fine-tunable bases stop answering on 2027-01-14)."""

    __tablename__ = "snapshots"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128, unique=True)
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    prompt_version: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    finished_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    requested_by: str = Field(max_length=64)
    input_count: int = 0  # inputs chosen when it started; answers arrive until all are in


class SnapshotAnswer(SQLModel, table=True):
    """One input and what the snapshot's model answered (or the error), once per input."""

    __tablename__ = "snapshot_answers"
    __table_args__ = (UniqueConstraint("snapshot_id", "input_hash", name="uq_snapshot_answers_input"),)

    id: int | None = Field(default=None, primary_key=True)
    snapshot_id: int = Field(foreign_key="snapshots.id", index=True)
    input_hash: str = Field(max_length=64)  # sha256 of the input: resuming skips what is answered
    input_text: str = Field(sa_column=Column(Text, nullable=False))
    case_id: int | None = Field(default=None, foreign_key="eval_cases.id")  # golden case, when it is one
    answered: bool = False
    urgency: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=64)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    error: str | None = Field(default=None, sa_column=Column(Text))
    latency_ms: int | None = None


class ShadowState(StrEnum):
    ACTIVE = "active"  # live triages are mirrored to this candidate
    STOPPED = "stopped"  # `/model shadow stop`
    REPLACED = "replaced"  # another candidate was started (at most one at a time)


class ShadowRoute(SQLModel, table=True):
    """One shadowing of a candidate model on live traffic: who started it, why, and how it ended.

    The newest ``active`` row is the one every process mirrors to; ended rows stay as the record.
    """

    __tablename__ = "shadow_routes"
    __table_args__ = (Index("ix_shadow_routes_state", "state", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    started_by: str = Field(max_length=64)
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    percent: int = 100  # share of live triages mirrored, 1..100
    reason: str | None = Field(default=None, sa_column=Column(Text))
    state: str = Field(default=ShadowState.ACTIVE, max_length=16)
    ended_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    ended_by: str | None = Field(default=None, max_length=64)
    end_reason: str | None = Field(default=None, sa_column=Column(Text))
    skipped_by_cap: int = 0  # sampled triages not mirrored because the daily cap was reached
    # Started on an approved request (a non-approver asked): who approved it, and which request.
    approved_by: str | None = Field(default=None, max_length=64)
    request_id: int | None = Field(default=None)


class ShadowPairStatus(StrEnum):
    OK = "ok"
    FAILED = "failed"  # the candidate errored; the live triage was unaffected


class ShadowVerdict(StrEnum):
    LIVE = "live"
    CANDIDATE = "candidate"
    NEITHER = "neither"


class ShadowPair(SQLModel, table=True):
    """The candidate's answer to one live triage's input, stored beside it (the live side is the triage row).

    One per live triage; a reviewer's verdict on a disagreement is stored here too (first click wins).
    """

    __tablename__ = "shadow_pairs"
    __table_args__ = (UniqueConstraint("triage_id", name="uq_shadow_pairs_triage"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    route_id: int = Field(foreign_key="shadow_routes.id", index=True)
    triage_id: int = Field(foreign_key="triages.id")
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    status: str = Field(max_length=16)  # ShadowPairStatus
    urgency: str | None = Field(default=None, max_length=16)
    category: str | None = Field(default=None, max_length=64)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    next_step: str | None = Field(default=None, sa_column=Column(Text))
    latency_ms: int | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error_kind: str | None = Field(default=None, max_length=32)
    error_message: str | None = Field(default=None, sa_column=Column(Text))
    verdict: str | None = Field(default=None, max_length=16)  # ShadowVerdict
    verdict_by: str | None = Field(default=None, max_length=64)
    verdict_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))


class TriageArm(StrEnum):
    """Which side of a canary served a triage."""

    LIVE = "live"  # the live model (no canary, or the ticket is on the live arm)
    CANDIDATE = "candidate"  # the canary's candidate answered
    FALLBACK = "fallback"  # assigned to the candidate, which failed: the live model answered


class CanaryState(StrEnum):
    ACTIVE = "active"  # serving its percent of live triages
    STOPPED = "stopped"  # `/model canary stop`
    ABORTED = "aborted"  # the automatic abort (failure rate, latency or reviewers)
    REPLACED = "replaced"  # another candidate's canary was approved
    PROMOTED = "promoted"  # the candidate became the live model


class CanaryRoute(SQLModel, table=True):
    """One canary: a candidate serving a share of live triages. The newest ``active`` row is routed to.

    Its id salts the sticky assignment; ``percent`` changes in place (each change is a CanaryEvent),
    so raising it keeps every ticket already on the candidate there.
    """

    __tablename__ = "canary_routes"
    __table_args__ = (Index("ix_canary_routes_state", "state", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    started_by: str = Field(max_length=64)
    approved_by: str | None = Field(default=None, max_length=64)
    request_id: int | None = Field(default=None)
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    percent: int  # share of live triages served by the candidate, 1..100
    reason: str | None = Field(default=None, sa_column=Column(Text))
    state: str = Field(default=CanaryState.ACTIVE, max_length=16)
    ended_at: datetime | None = Field(default=None, sa_column=_when(nullable=True))
    ended_by: str | None = Field(default=None, max_length=64)
    end_reason: str | None = Field(default=None, sa_column=Column(Text))


class CanaryEvent(SQLModel, table=True):
    """The canary's history: every start, step, stop, abort, replacement and promotion, with who and why."""

    __tablename__ = "canary_events"

    id: int | None = Field(default=None, primary_key=True)
    canary_id: int = Field(foreign_key="canary_routes.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_column=_when())
    action: str = Field(max_length=16)  # start | raise | lower | stop | abort | replaced | promoted
    by: str = Field(max_length=64)  # a user ID, or "monitor" for the automatic abort
    percent_before: int | None = None
    percent: int | None = None
    request_id: int | None = None
    reason: str | None = Field(default=None, sa_column=Column(Text))


class ShutdownSource(StrEnum):
    ENDPOINT = "endpoint"  # read from the endpoint's model object (`shutdown_date`)
    OPERATOR = "operator"  # set by an approver (`/model retire-on`), for hosts that publish none


class ModelShutdown(SQLModel, table=True):
    """A model's shutdown date as one source last gave it (NULL: that source gives none), and when."""

    __tablename__ = "model_shutdowns"
    __table_args__ = (
        UniqueConstraint("endpoint", "model_id", "source", name="uq_model_shutdowns_model_source"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint: str = Field(max_length=64)
    model_id: str = Field(max_length=256)
    shutdown_date: date | None = None
    source: str = Field(max_length=16)  # ShutdownSource
    read_at: datetime = Field(default_factory=utcnow, sa_column=_when())
    set_by: str | None = Field(default=None, max_length=64)  # the approver or CLI user; None when read


class TriageShare(SQLModel, table=True):
    """A triage result posted in its channel with *Share in channel*: once per triage, so a second
    click can say where (and by whom) it already was."""

    __tablename__ = "triage_shares"

    triage_id: int = Field(foreign_key="triages.id", primary_key=True)
    shared_by: str = Field(max_length=64)
    channel_id: str | None = Field(default=None, max_length=64)
    shared_at: datetime = Field(default_factory=utcnow, sa_column=_when())
