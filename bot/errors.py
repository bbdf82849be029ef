"""Typed domain errors. Each carries the sentence the user sees; one Bolt error handler shows it."""

from __future__ import annotations


class TriagebotError(Exception):
    """Base of every error a user may be told about. `user_message` says what happened and what to do."""

    kind = "error"

    def __init__(self, user_message: str, *, people: tuple[str, ...] = ()) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        # Members named in the message, each written `@<user ID>` (plain words in a terminal or a log):
        # the Slack layer turns exactly these into mentions; the domain knows no mention syntax.
        self.people = people


def person(user_id: str | None) -> str:
    """A member as a domain message names them (see TriagebotError.people)."""
    return f"@{user_id}" if user_id else "someone"


class InvalidInput(TriagebotError):
    kind = "invalid_input"


class NotFound(TriagebotError):
    kind = "not_found"


class NotAllowed(TriagebotError):
    kind = "not_allowed"


class Conflict(TriagebotError):
    """The request was fine but the world moved on (already decided, expired, live model changed)."""

    kind = "conflict"


class ModelError(TriagebotError):
    """The model endpoint failed; `kind` is recorded with the failed triage."""

    kind = "model_error"


class ModelRateLimited(ModelError):
    kind = "rate_limited"


class ModelUnknown(ModelError):
    kind = "unknown_model"


class ModelTimeout(ModelError):
    kind = "timeout"


class ModelUnreachable(ModelError):
    kind = "unreachable"


class ModelServerError(ModelError):
    kind = "server_error"


class ModelAuthFailed(ModelError):
    kind = "auth_failed"


class ModelOffSchema(ModelError):
    kind = "off_schema"


class ModelRefused(ModelError):
    kind = "refused"
