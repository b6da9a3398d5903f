"""Work after the ack as the work process receives it, run in the test's own process.

``salesbot serve`` hands every call a listener makes after its ack to a work process (``bot.handoff``):
pickled, with the ``Services``, the engine and Slack clients named rather than copied. ``RoundTripWorker``
puts each call through that same pickling and unpickling before running it on threads here, so every test
that clicks through the app proves its work can be handed over (a closure that captured something that
cannot travel fails the test), while the test keeps ``Services.join`` and its pinned clock.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from bot.handoff import dumps, loads, slack_clients
from bot.runtime import Services
from bot.workers import Worker


class RoundTripWorker(Worker):
    def __init__(self, name: str, max_workers: int, services: Callable[[], Services]) -> None:
        super().__init__(name, max_workers)
        self._services = services

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        services = self._services()
        data = dumps(services, fn, args, kwargs)
        fn, args, kwargs = loads(data, services, slack_clients(services.settings))
        return super().submit(fn, *args, **kwargs)


def round_trip(services: Services) -> Services:
    """``services`` with both after-ack pools replaced by round-tripping ones."""
    services.worker = RoundTripWorker("salesbot-work", 8, lambda: services)
    services.model_worker = RoundTripWorker("salesbot-model", 2, lambda: services)
    return services
