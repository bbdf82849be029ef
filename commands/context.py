"""The one typed way a listener reaches the domain services: a Bolt middleware puts them in the
request context under one key, and `services_of` takes them out with their type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.services import Services

SERVICES_KEY = "services"

Middleware = Callable[[dict[str, Any], Callable[[], Awaitable[None]]], Awaitable[None]]


def provide_services(services: Services) -> Middleware:
    """Bolt middleware: every listener of this app sees the services built once at start-up."""

    async def inject_services(context: dict[str, Any], next: Callable[[], Awaitable[None]]) -> None:
        context[SERVICES_KEY] = services
        await next()

    return inject_services


def services_of(context: Mapping[str, Any]) -> Services:
    services = context[SERVICES_KEY]
    if not isinstance(services, Services):  # only a wiring bug gets here: say so, not a KeyError later
        raise TypeError(f"context[{SERVICES_KEY!r}] holds {type(services).__name__}, not Services")
    return services
