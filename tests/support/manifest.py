"""app.yaml, the Slack app manifest, as data."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support.paths import REPO_ROOT


def manifest() -> dict[str, Any]:
    return yaml.safe_load((REPO_ROOT / "app.yaml").read_text())
