"""`triagebot digest [--post] [--days N]`: the digest on the terminal, or posted to Slack now."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli_quality import reported, run_with_services
from bot.services import Services
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from bot.digest.figures import Digest


def add_commands(sub: Any) -> None:
    digest = sub.add_parser("digest", help="print the quality digest, or post it to Slack now")
    digest.add_argument("--post", action="store_true", help="post it to TRIAGE_DIGEST_CHANNEL now")
    digest.add_argument(
        "--days", type=int, default=None, help="period in days (default: since the last scheduled digest)"
    )
    digest.add_argument(
        "--chart", metavar="FILE.png", default=None, help="also write the pass-rate chart to this PNG file"
    )
    digest.set_defaults(handler=digest_command)


@reported
def digest_command(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cron import cron_trigger
    from bot.digest.build import build_digest, digest_period
    from bot.digest.text import digest_text

    if args.post:
        if not settings.triage_digest_channel:
            raise SettingsError(
                "`--post` needs TRIAGE_DIGEST_CHANNEL (the channel ID to post the digest in)."
            )
        settings.require("SLACK_BOT_TOKEN")
    now = datetime.now(UTC)
    if args.days is not None:
        if args.days < 1:
            print("--days must be at least 1.", file=sys.stderr)
            return 1
        start, end = now - timedelta(days=args.days), now
    else:
        start, end = digest_period(cron_trigger(settings.triage_digest_cron, settings.triage_timezone), now)

    async def work(services: Services) -> str:
        if not args.post:
            digest = await build_digest(
                services.db,
                services.models,
                start=start,
                end=end,
                now=now,
                prices=services.prices,
                categories=services.settings.triage_categories,
            )
            said = digest_text(digest)
            if args.chart:
                said += "\n" + await write_chart(services, digest, args.chart, now)
            return said
        from bot.app import create_digest_publisher
        from bot.digest.publish import publish_digest

        channel = settings.triage_digest_channel
        assert channel is not None
        await publish_digest(
            services.db,
            services.models,
            create_digest_publisher(settings),
            channel,
            start=start,
            end=end,
            now=now,
            prices=services.prices,
            categories=services.settings.triage_categories,
        )
        return f"Digest posted to {channel}."

    print(run_with_services(settings, work))
    return 0


async def write_chart(services: Services, digest: Digest, path: str, now: datetime) -> str:
    """The chart the digest posts to Slack, as a file, so it can be looked at without Slack."""
    from bot.digest.build import CHART_WINDOW, chart_history
    from bot.digest.chart import pass_rate_chart
    from bot.digest.evidence import recall_history

    history = await chart_history(services.db, now)
    live = (digest.live.endpoint, digest.live.model_id) if digest.live else None
    recalls = await recall_history(services.db, live, now - CHART_WINDOW) if live else []
    png = await asyncio.to_thread(pass_rate_chart, history, live, recalls)
    if png is None:
        return f"Chart: no finished eval run in the last {CHART_WINDOW.days} days, so no chart was written."
    await asyncio.to_thread(Path(path).write_bytes, png)
    return f"Chart written to {path}."
