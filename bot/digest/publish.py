"""Posting a digest: the Slack side is a Protocol here, implemented in commands/digest/publisher.py."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.digest.build import CHART_WINDOW, build_digest, chart_history
from bot.digest.chart import pass_rate_chart
from bot.digest.evidence import recall_history
from bot.digest.figures import Digest
from bot.model_client import ModelClient
from bot.quality.costs import Price
from storage.db import Database

log = logging.getLogger(__name__)


class DigestPublisher(Protocol):
    async def post_digest(self, channel: str, digest: Digest) -> str:
        """Post the digest message; returns its ts (the chart goes in its thread)."""
        ...

    async def upload_chart(self, channel: str, thread_ts: str, png: bytes, title: str) -> None: ...


async def publish_digest(
    db: Database,
    models: ModelClient,
    publisher: DigestPublisher,
    channel: str,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    prices: Sequence[Price] = (),
    categories: Sequence[str] | None = None,
) -> Digest:
    """Post the digest, then its chart in the thread. A failed post raises (the job is retried);
    a failed chart upload is only logged, so a retry never posts the digest twice."""
    digest = await build_digest(
        db, models, start=start, end=end, now=now, prices=prices, categories=categories
    )
    ts = await publisher.post_digest(channel, digest)
    history = await chart_history(db, now)
    live = (digest.live.endpoint, digest.live.model_id) if digest.live else None
    recalls = await recall_history(db, live, now - CHART_WINDOW) if live else []
    png = await asyncio.to_thread(pass_rate_chart, history, live, recalls)
    if png is None:
        return digest
    try:
        await publisher.upload_chart(
            channel, ts, png, "Eval pass rate by model, and category recall of the live model"
        )
    except Exception:
        log.warning("digest posted in %s but its chart could not be uploaded", channel, exc_info=True)
    return digest
