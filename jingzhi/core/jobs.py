"""The job outbox: background work committed with the change that asks for it, run by a worker, never lost.

`submit(task, args, kwargs)` writes one `OutboxJob` row in the caller's transaction, so a job exists exactly
when the change that asked for it has committed: a rolled-back intake leaves no job, and a committed one
leaves its job even if Redis, the worker or the web process dies the next moment. `jingzhi.core.tasks.
enqueue_after_commit` and the Tasks API backend `OutboxBackend` (the TASKS setting of both profiles) are the
doors to it, so callers keep `@task()` functions and `task.enqueue(...)`.

Running a job (`run_due`, `run_job`): the row is claimed with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL;
SQLite's single writer serialises instead) and the job runs inside the same transaction, in a savepoint.
Its database writes (inbox rows, further jobs) and the row's `done` mark commit together, so a job that
completes is never run again, and one whose worker dies mid-way rolls back whole and runs again later: the
inbox gets each notice exactly once. A failure rolls the savepoint back and reschedules the row with
exponential backoff (`JINGZHI_JOB_BACKOFF_SECONDS` doubling up to `JINGZHI_JOB_BACKOFF_MAX_SECONDS`) until
`JINGZHI_JOB_MAX_ATTEMPTS`, then marks it dead: the admin lists it with its error, `manage.py check` and the
admin index warn, and `jingzhi jobs retry` or the admin action puts it back. A job that did part of its
work (e-mail to some recipients) raises `RetryLater` with narrowed arguments: what it did stands, the rest
is retried. Messages leaving the house (e-mail, SMS) are at least once at the edge: a crash between the
gateway accepting a message and the commit sends it again on retry.

Where jobs run: in the production profile a `jingzhi worker` process polls (no Redis needed; it does not
fork per job). In the embedded profile (`inline`, no worker) the process that committed runs its own jobs
right after commit, and with them a few overdue rows left by a crash or waiting for a retry; `jingzhi worker`
works there too.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, router, transaction
from django.db.models import F
from django.utils.module_loading import import_string
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import normalize_json

from jingzhi.core import audit, clock, rows
from jingzhi.core.audit_verbs import AuditVerb
from jingzhi.core.models import OutboxJob

logger = logging.getLogger(__name__)

ERROR_MAX = 4000  # characters of the last traceback kept on the row: enough to act on, bounded


class Verb(AuditVerb):
    """Audit verbs of this module; stored in rows, so never rename a value."""

    RETRIED = "job.retried"


class RetryLater(Exception):  # noqa: N818 - a request to the runner, not an error of the caller
    """Raised by a job that did part of its work: its writes so far stand, and the row is retried later
    (with backoff, counting an attempt) with the narrowed `args`/`kwargs`, e.g. only the recipients whose
    e-mail failed."""

    def __init__(self, message: str, *, args: list | None = None, kwargs: dict | None = None) -> None:
        super().__init__(message)
        self.new_args = args
        self.new_kwargs = kwargs


# ---------------------------------------------------------------------------------------------------------
# Settings


def max_attempts() -> int:
    return max(1, int(getattr(settings, "JINGZHI_JOB_MAX_ATTEMPTS", 8)))


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: base × 2^(attempts-1), capped."""
    base = float(getattr(settings, "JINGZHI_JOB_BACKOFF_SECONDS", 30))
    cap = float(getattr(settings, "JINGZHI_JOB_BACKOFF_MAX_SECONDS", 3600))
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def inline() -> bool:
    """True when committed jobs run in the committing process (embedded profile, no worker)."""
    backend = (getattr(settings, "TASKS", {}) or {}).get("default", {})
    return bool((backend.get("OPTIONS") or {}).get("inline", False))


# ---------------------------------------------------------------------------------------------------------
# Writing jobs


def task_path(task: Any) -> str:
    path = getattr(task, "module_path", None)
    if path is None:
        path = f"{task.__module__}.{task.__qualname__}"
    return path


def submit(
    task: Any,
    args: Iterable[Any] = (),
    kwargs: dict | None = None,
    *,
    run_after: datetime | None = None,
    queue: str = "default",
    using: str | None = None,
) -> OutboxJob:
    """Write a job row in the current transaction on `using`. Arguments must be JSON (ids, not rows);
    they are normalised now, so a bad argument fails the caller, not the worker an hour later."""
    now = clock.now()
    using = using or router.db_for_write(OutboxJob)
    row = OutboxJob(
        task=task_path(task),
        queue=queue,
        args=normalize_json(list(args)),
        kwargs=normalize_json(dict(kwargs or {})),
        run_after=run_after or now,
        created_at=now,
        max_attempts=max_attempts(),
    )
    rows.insert(row, using=using)
    if inline():
        _run_inline_after_commit(row, using)
    return row


def _run_inline_after_commit(row: OutboxJob, using: str) -> None:
    def run() -> None:
        # The key is read when the job runs: inside `rows.together()` it arrives when that block ends.
        pk = row.pk
        try:
            run_job(pk, using=using)
            # Crash leftovers and retries that came due: a few, so no request carries a backlog.
            grace = float(getattr(settings, "JINGZHI_JOBS_INLINE_GRACE_SECONDS", 60))
            run_due(limit=5, due_before=clock.now() - timedelta(seconds=grace), using=using)
        except Exception:  # noqa: BLE001 - the change has committed; the row stays for the worker
            logger.exception("job #%s could not be run after commit; it stays in the outbox", pk)

    # Outside a transaction the row has committed already and this runs at once.
    transaction.on_commit(run, using=using)


class OutboxBackend(BaseTaskBackend):
    """The Tasks API backend of both profiles: `task.enqueue(...)` writes an outbox row (in the caller's
    transaction when there is one). OPTIONS `{"inline": True}` runs jobs in-process after commit."""

    supports_defer = True

    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        row = submit(task, args, kwargs, run_after=task.run_after, queue=task.queue_name)
        return TaskResult(
            task=task,
            id=str(row.pk),
            status=TaskResultStatus.READY,
            enqueued_at=row.created_at,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )


# ---------------------------------------------------------------------------------------------------------
# Running jobs


@dataclass(frozen=True)
class Outcome:
    pk: int
    state: str
    error: str = ""


def _claim(
    *, pk: int | None, due_before: datetime | None, queues: Iterable[str] | None, using: str, size: int
) -> list[OutboxJob]:
    rows = OutboxJob.objects.using(using).select_for_update(skip_locked=True)
    rows = rows.filter(state=OutboxJob.PENDING, run_after__lte=due_before or clock.now())
    if pk is not None:
        rows = rows.filter(pk=pk)
    if queues:
        rows = rows.filter(queue__in=list(queues))
    return list(rows.order_by("run_after", "id")[:size])


def _call(row: OutboxJob) -> Any:
    target = import_string(row.task)
    call = target.call if isinstance(target, Task) else target
    return call(*row.args, **row.kwargs)


def _execute(row: OutboxJob, using: str, *, done_later: list[int] | None = None) -> Outcome:
    """Run a claimed row inside the claiming transaction and record the outcome on it. With `done_later`,
    a plain success is not saved here: its id is appended, for the caller to mark all such rows done with
    one UPDATE (`run_batch`)."""
    now = clock.now()
    row.attempts += 1
    row.last_attempt_at = now
    error = ""
    partial: RetryLater | None = None
    try:
        with transaction.atomic(using=using):
            try:
                _call(row)
            except RetryLater as exc:
                partial = exc  # leaving the block normally keeps what the job did
    except Exception:  # noqa: BLE001 - any failure of the job is recorded on its row and retried
        error = traceback.format_exc()[-ERROR_MAX:]
    if partial is not None:
        error = str(partial)[:ERROR_MAX]
        if partial.new_args is not None:
            row.args = normalize_json(list(partial.new_args))
        if partial.new_kwargs is not None:
            row.kwargs = normalize_json(dict(partial.new_kwargs))
    if not error and partial is None and done_later is not None:
        done_later.append(row.pk)
        return Outcome(row.pk, OutboxJob.DONE, "")
    if not error:
        row.state = OutboxJob.DONE
        row.finished_at = now
    elif row.attempts >= row.max_attempts:
        row.state = OutboxJob.DEAD
        row.finished_at = now
        row.last_error = error
        logger.error("job #%s %s gave up after %s attempts: %s", row.pk, row.task, row.attempts, error)
    else:
        row.run_after = now + backoff(row.attempts)
        row.last_error = error
        logger.warning(
            "job #%s %s failed (attempt %s), retry after %s", row.pk, row.task, row.attempts, row.run_after
        )
    row.save(
        using=using,
        update_fields=[
            "attempts",
            "last_attempt_at",
            "state",
            "finished_at",
            "run_after",
            "last_error",
            "args",
            "kwargs",
        ],
    )
    return Outcome(row.pk, row.state, error)


def run_batch(
    *,
    size: int = 1,
    pk: int | None = None,
    due_before: datetime | None = None,
    queues: Iterable[str] | None = None,
    using: str | None = None,
) -> list[Outcome]:
    """Claim up to `size` due pending jobs (or job `pk`) and run them in one transaction, each in its own
    savepoint: one claim, one UPDATE marking the successful ones done, and one commit for the batch
    (measured: these are most of a small job's cost).
    A crash rolls back the whole batch, which then runs again: still once per committed effect."""
    using = using or router.db_for_write(OutboxJob)
    with transaction.atomic(using=using):
        rows = _claim(pk=pk, due_before=due_before, queues=queues, using=using, size=max(1, size))
        done: list[int] = []
        outcomes = [_execute(row, using, done_later=done) for row in rows]
        if done:  # the rows that simply succeeded: one statement for the batch, not one per job
            now = clock.now()
            OutboxJob.objects.using(using).filter(pk__in=done).update(
                state=OutboxJob.DONE, attempts=F("attempts") + 1, last_attempt_at=now, finished_at=now
            )
        return outcomes


def run_one(
    *,
    pk: int | None = None,
    due_before: datetime | None = None,
    queues: Iterable[str] | None = None,
    using: str | None = None,
) -> Outcome | None:
    """Claim and run one due pending job (or job `pk`); None when there is none to take."""
    done = run_batch(size=1, pk=pk, due_before=due_before, queues=queues, using=using)
    return done[0] if done else None


def run_job(pk: int, *, using: str | None = None) -> Outcome | None:
    """Run job `pk` now if it is pending and due; never raises (the change that made it has committed)."""
    try:
        return run_one(pk=pk, using=using)
    except DatabaseError:
        logger.exception("job #%s could not be run now; it stays in the outbox for the worker", pk)
        return None


def run_due(
    *,
    limit: int | None = None,
    due_before: datetime | None = None,
    queues: Iterable[str] | None = None,
    using: str | None = None,
    batch: int = 1,
) -> int:
    """Run due jobs, `batch` per transaction, until none is left (or `limit`); the number run."""
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        try:
            outcomes = run_batch(size=size, due_before=due_before, queues=queues, using=using)
        except DatabaseError:
            logger.exception("the job outbox could not be read")
            break
        if not outcomes:
            break
        done += len(outcomes)
    return done


def work(
    *,
    burst: bool = False,
    poll_seconds: float = 1.0,
    max_jobs: int | None = None,
    queues: Iterable[str] | None = None,
    batch: int = 10,
    stop=lambda: False,
) -> int:
    """The worker loop: run due jobs; when none is due, sleep `poll_seconds`; with `burst`, return once
    none is due. Returns the number of jobs run."""
    total = 0
    while not stop():
        left = None if max_jobs is None else max_jobs - total
        if left is not None and left <= 0:
            break
        ran = run_due(limit=left if left is not None else 100, queues=queues, batch=batch)
        total += ran
        if ran == 0:
            if burst:
                break
            # Between polls give the connection back: a worker idling for hours must not pin one.
            connections.close_all()
            time.sleep(poll_seconds)
    return total


# ---------------------------------------------------------------------------------------------------------
# Administration


def dead_count(using: str | None = None) -> int:
    return OutboxJob.objects.using(using or "default").filter(state=OutboxJob.DEAD).count()


def do_retry_jobs(*, actor, job_ids: Iterable[int] | None = None, all_dead: bool = False) -> int:
    """Put dead (or pending, failing) jobs back to run now with a fresh count of attempts; audited."""
    with transaction.atomic():
        rows = OutboxJob.objects.select_for_update().exclude(state=OutboxJob.DONE)
        if all_dead:
            rows = rows.filter(state=OutboxJob.DEAD)
        else:
            rows = rows.filter(pk__in=sorted({int(i) for i in job_ids or ()}))
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            return 0
        now = clock.now()
        OutboxJob.objects.filter(pk__in=ids).update(
            state=OutboxJob.PENDING, attempts=0, run_after=now, finished_at=None
        )
        audit.record(actor=actor, verb=Verb.RETRIED, target=("core.outboxjob", ids[0]), new={"jobs": ids})
    return len(ids)


def prune_done(*, older_than: timedelta) -> int:
    """Delete done rows finished before now − `older_than`; dead rows stay until retried or inspected."""
    cutoff = clock.now() - older_than
    deleted, _ = OutboxJob.objects.filter(state=OutboxJob.DONE, finished_at__lt=cutoff).delete()
    return deleted
