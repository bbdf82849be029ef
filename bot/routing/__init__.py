"""Inference routing: shadow and canary candidates on live traffic, and the evidence to promote one.

Shadow: `state` says which candidate (one at a time, in the database); `mirror` makes the
candidate's call after the agent has the live answer, within the daily cap; `agreement` and
`status` report how the two compare; `review` lets people judge the disagreements.
Canary: `canary` assigns each triage its arm (sticky) and lowers or stops the canary; `abort`
stops it on its own when it misbehaves; `evidence` gathers what a promotion request shows;
`summary` is the routing at a glance. `requests` puts a non-approver's shadow and every canary
start or raise through the switch's approval. Nothing here knows about Slack.
"""

from __future__ import annotations

from bot.routing.mirror import Mirrored, ShadowMirror, mirror_quietly
from bot.routing.review import Disagreement, Judged, ShadowReviews
from bot.routing.route_request import RouteRequest
from bot.routing.state import ShadowRoutes, Started, parse_request
from bot.routing.status import ShadowReport, shadow_report

__all__ = [
    "Disagreement",
    "Judged",
    "Mirrored",
    "RouteRequest",
    "ShadowMirror",
    "ShadowReport",
    "ShadowReviews",
    "ShadowRoutes",
    "Started",
    "mirror_quietly",
    "parse_request",
    "shadow_report",
]

