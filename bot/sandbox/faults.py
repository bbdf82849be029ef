"""`fault <kind> [times]` in the sandbox console: make the stand-in model misbehave on purpose, so
the messages agents would read during a real outage can be seen without one."""

from __future__ import annotations

from dataclasses import dataclass

from bot.standins.openai_api import FaultKind, OpenAIStandIn

# What the person types -> (the stand-in's fault, what the next triage will show).
FAULTS: dict[str, tuple[FaultKind, str]] = {
    "rate-limit": ("rate_limit", "the endpoint answers 429 rate limited"),
    "timeout": ("timeout", "the model stalls past TRIAGE_MODEL_TIMEOUT"),
    "off-schema": ("off_schema", "the model answers outside the triage format"),
    "server-error": ("server_error", "the endpoint answers 500"),
    "overloaded": ("overloaded", "the endpoint answers 503 overloaded"),
    "disconnect": ("disconnect", "the connection drops mid-request"),
}
USAGE = (
    "fault <"
    + "|".join(FAULTS)
    + "> [times]   (times: how many model calls fail; default: enough for one triage)"
)


@dataclass(frozen=True)
class Planned:
    kind: FaultKind
    times: int
    what: str


def plan(rest: str, attempts_per_triage: int) -> Planned:
    """Parse `<kind> [times]`; ValueError (shown to the person) when it is not one."""
    words = rest.split()
    if not words or words[0].lower().replace("_", "-") not in FAULTS:
        raise ValueError(f"usage: {USAGE}")
    kind, what = FAULTS[words[0].lower().replace("_", "-")]
    # Retried faults must fail every attempt of one triage, or the retry hides them.
    retried = kind in ("rate_limit", "timeout", "server_error", "overloaded", "disconnect")
    times = attempts_per_triage if retried else 1
    if len(words) > 1:
        if not words[1].isdigit() or not 1 <= int(words[1]) <= 100:
            raise ValueError("times must be a whole number from 1 to 100")
        times = int(words[1])
    return Planned(kind, times, what)


def inject(openai: OpenAIStandIn, planned: Planned) -> str:
    openai.fail_next(planned.kind, times=planned.times)
    return (
        f"The next {planned.times} model call(s) will fail: {planned.what}. "
        "Run /triage to see what an agent is told."
    )
