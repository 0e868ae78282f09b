"""Background work through the Tasks API (django-tasks), enqueued only after commit.

Define a job with `from django_tasks import task` (`@task()` on a module-level function) and enqueue it from
an action with `enqueue_after_commit(job, ...)`: the job is handed to the backend only once the surrounding
transaction commits, so a rolled-back change never sends a reminder. The backend is the profile's: the
immediate backend runs the job in-process right after commit (embedded profile); with `REDIS_URL` it goes
to RQ and a `jingzhi worker` runs it. Correctness never depends on a job having run (ARCHITECTURE.md), so a
failure to enqueue is logged rather than raised into the request that already committed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_after_commit(task, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Enqueue `task` (a django_tasks Task) with args/kwargs after the current transaction on `using`
    commits; at once when no transaction is open. Arguments must be JSON-serialisable (ids, not rows)."""

    def enqueue() -> None:
        try:
            task.enqueue(*args, **kwargs)
        except Exception:  # noqa: BLE001 - the domain change has committed; losing a reminder is logged
            logger.exception("could not enqueue task %s", getattr(task, "module_path", task))

    transaction.on_commit(enqueue, using=using)


def rq_configured() -> bool:
    """True when the configured default tasks backend is RQ (the production profile)."""
    from django.conf import settings

    backend = (getattr(settings, "TASKS", {}) or {}).get("default", {}).get("BACKEND", "")
    return bool(getattr(settings, "REDIS_URL", "")) and backend.startswith("django_tasks_rq")
