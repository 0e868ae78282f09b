"""Scheduled jobs that run once across nodes, whichever node's cron fires them.

Every web or worker node may carry the same crontab (`jingzhi once --every 10m -- cases remind`): the command
rounds the current time to the job's slot (the nearest multiple of `every`, so clocks a little apart still
agree on the slot) and inserts a `ScheduledRun(job, slot)` row. The unique (job, slot) constraint lets exactly
one insert succeed, on SQLite and PostgreSQL alike, however close together the nodes fire; the others see the
conflict and skip. A node that dies mid-run leaves its row "running" and the slot is not retried: the jobs run
this way (reminders, sweeps, audit anchors, snapshot fills) all catch up on their next slot.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jingzhi.core import clock
from jingzhi.core.errors import InvalidInput
from jingzhi.core.models import ScheduledRun

logger = logging.getLogger(__name__)

KEEP_HISTORY = timedelta(days=30)
_EVERY = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_every(text: str) -> timedelta:
    """`300`, `300s`, `10m`, `1h`, `1d` → a timedelta of at least one minute."""
    m = _EVERY.match(str(text or ""))
    if not m:
        raise InvalidInput(
            _("间隔“%(v)s”无效：写作秒数或带单位，如 300、10m、1h、1d。") % {"v": text},
            fields={"every": text},
        )
    seconds = int(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 60:
        raise InvalidInput(_("间隔不能短于 1 分钟（cron 的最小粒度）。"), fields={"every": text})
    return timedelta(seconds=seconds)


def slot_of(moment: datetime, every: timedelta) -> datetime:
    """The slot `moment` belongs to: the nearest multiple of `every` since the epoch (UTC)."""
    step = every.total_seconds()
    return datetime.fromtimestamp(round(moment.timestamp() / step) * step, tz=UTC)


def claim(job: str, every: timedelta, *, node: str | None = None) -> ScheduledRun | None:
    """This node's run of `job` for the current slot, or None when another node already has it."""
    now = clock.now()
    try:
        with transaction.atomic():
            return ScheduledRun.objects.create(
                job=job[:200],
                slot=slot_of(now, every),
                node=(node or socket.gethostname())[:200],
                started_at=now,
            )
    except IntegrityError:
        return None


def finish(run: ScheduledRun, *, ok: bool) -> None:
    ScheduledRun.objects.filter(pk=run.pk).update(
        finished_at=clock.now(), outcome=ScheduledRun.OK if ok else ScheduledRun.FAILED
    )


def run_once(job: str, every: timedelta, fn: Callable[[], Any], *, node: str | None = None) -> bool:
    """Run `fn` if this node wins the current slot of `job`; True when it ran. Its exception propagates after
    the run is marked failed (the slot is still spent: the next one catches up)."""
    run = claim(job, every, node=node)
    if run is None:
        logger.info("scheduled job %s: this slot already ran on another node", job)
        return False
    try:
        fn()
    except BaseException:
        finish(run, ok=False)
        raise
    finish(run, ok=True)
    ScheduledRun.objects.filter(job=run.job, started_at__lt=clock.now() - KEEP_HISTORY).delete()
    return True
