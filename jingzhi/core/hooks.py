"""Named extension points fired after commit.

A lower app that must tell a higher one something calls `fire("case_closed", case_id=...)` inside its
action; the receivers registered by higher apps (in their `AppConfig.ready()`) run only once the
transaction commits, so a rolled-back change never notifies anyone. No Django signals for domain flow.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)
_receivers: dict[str, list[Callable[..., None]]] = defaultdict(list)


def register(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def decorator(fn: Callable[..., None]) -> Callable[..., None]:
        if fn not in _receivers[name]:
            _receivers[name].append(fn)
        return fn

    return decorator


def unregister(name: str, fn: Callable[..., None]) -> None:
    if fn in _receivers[name]:
        _receivers[name].remove(fn)


def receivers(name: str) -> list[Callable[..., None]]:
    return list(_receivers[name])


def fire(name: str, **payload) -> None:
    """Call every receiver of `name` after the current transaction commits (at once outside one).
    A failing receiver is logged and does not stop the others: the domain change has already committed."""

    def run() -> None:
        for fn in receivers(name):
            try:
                fn(**payload)
            except Exception:  # noqa: BLE001 - one broken subscriber must not silence the rest
                logger.exception("hook %s: receiver %s failed", name, fn)

    transaction.on_commit(run)
