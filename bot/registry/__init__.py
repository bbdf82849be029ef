"""The model registry: which model is live, and the requests and approvals that change it.

Knows nothing of Slack: listeners in commands/model call the `Registry` service, and the group
lookup behind `Approvers` is injected by the app factory.
"""

from __future__ import annotations

from bot.registry.approvals import Approval, RequestClosed
from bot.registry.approvers import Approvers, GroupLookup
from bot.registry.eval_gate import OverrideRequired
from bot.registry.requests import SwitchPlan
from bot.registry.service import Registry
from bot.registry.status import ListedModel, ModelListing, ModelStatus
from storage.statuses import DeploymentKind, RequestKind, RequestStatus

__all__ = [
    "Approval",
    "Approvers",
    "DeploymentKind",
    "GroupLookup",
    "ListedModel",
    "ModelListing",
    "ModelStatus",
    "OverrideRequired",
    "Registry",
    "RequestClosed",
    "RequestKind",
    "RequestStatus",
    "SwitchPlan",
]
