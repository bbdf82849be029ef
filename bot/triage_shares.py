"""*Share in channel*: a triage result is posted in its channel once, whoever clicks and however often.

The share is claimed before it is posted and released if posting fails, so a failed post can be
tried again while a second click on a posted one is told where it already is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage import shares
from storage.db import Database
from storage.models import TriageShare


@dataclass(frozen=True)
class ShareClaim:
    first: bool  # False: it was shared before; `share` says where, by whom, when
    share: TriageShare


async def claim(
    db: Database, triage_id: int, user_id: str, channel_id: str | None, *, now: datetime
) -> ShareClaim:
    async with db.transaction() as session:
        first = await shares.claim_share(session, triage_id, user_id, channel_id, now)
        share = await shares.get_share(session, triage_id)
    assert share is not None
    return ShareClaim(first, share)


async def release(db: Database, share: TriageShare) -> None:
    """The post failed: forget the share so the next click tries again."""
    async with db.transaction() as session:
        await shares.release_share(session, share.triage_id, share.shared_by)
