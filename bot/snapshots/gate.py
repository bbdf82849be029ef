"""The line the eval gate's approval message shows about the live model's snapshot (issue 12): W1's
gate rendering calls `live_snapshot_note` and shows the text as it is (escaped for mrkdwn)."""

from __future__ import annotations

from bot.registry.views import RequestView
from storage import snapshots
from storage.db import Database


async def live_snapshot_note(db: Database, request: RequestView) -> str | None:
    """Plain text naming the newest finished snapshot of the model live when the request was made,
    and how to compare the candidate with it; None when there is none."""
    if not request.from_endpoint or not request.from_model_id:
        return None
    async with db.session() as session:
        found = await snapshots.latest_finished(session, request.from_endpoint, request.from_model_id)
    if found is None or found.finished_at is None:
        return None
    return (
        f"Snapshot of the live model: #{found.id} '{found.name}' ({found.input_count} inputs, "
        f"{found.finished_at:%Y-%m-%d}). Compare the candidate with it: "
        f"triagebot snapshot compare --model {request.model_id} --endpoint {request.endpoint} --snapshot {found.id}"
    )
