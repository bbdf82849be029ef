"""Monitors over live traffic: rolling-window readings, thresholds, and incidents that open once,
change in place and resolve (issue 11). Domain code: no Slack here; messages go through the outbox."""
