"""Background work through the Tasks API (django-tasks), committed with the change that asks for it.

Define a job with `from django_tasks import task` (`@task()` on a module-level function) and hand it over
from an action with `enqueue_after_commit(job, ...)`: a row in the job outbox (`jingzhi.core.jobs`) is written
inside the surrounding transaction, so the job exists exactly when the change has committed — a rolled-back
change never sends a reminder, and a committed one never loses its notices to a Redis or worker outage.
The job runs only after commit: in the embedded profile in-process right after it, in production in a
`jingzhi worker` process. `task.enqueue(...)` goes the same way (the TASKS backend is `OutboxBackend`).
The name is kept from when jobs were handed to RQ after commit, so callers did not change.
"""

from __future__ import annotations

from typing import Any


def enqueue_after_commit(task, *args: Any, using: str | None = None, **kwargs: Any) -> None:
    """Write a job for `task` (a django_tasks Task) with args/kwargs into the outbox, in the current
    transaction on `using`; it runs after that commits. Arguments must be JSON-serialisable (ids, not
    rows). A failure to write the row fails the caller's transaction: no change commits without its job."""
    from jingzhi.core import jobs

    jobs.submit(task, args, kwargs, using=using)
