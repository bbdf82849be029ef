"""Exactly-once delivery: deliveries already seen (replays, event retries) and the outbox.

The outbox split: the domain (bot/registry) decides, and in the same transaction enqueues the
decision's Slack side effects as fully rendered Web API calls (`SlackEffect`). It does not know how
they look: the caller passes a renderer (commands/model/decisions.py) that turns the decided
request into calls. Rendering at decision time keeps the worker generic and free of Slack
knowledge beyond "call this method with this payload", and it means what the approver saw decided
is what gets sent, even if delivery happens after a restart.
"""
