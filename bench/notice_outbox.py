"""Where a new report's notices job is kept: in the case's own transaction (the job outbox) or handed to RQ
after commit (before ADR 0004). PostgreSQL only; Redis for the RQ figure.

Data: a fresh database (`<bench db>_outbox`), migrated, the demo district and people loaded, no cases.

1. `notice_job_intake`: N resident reports (default 600) through `do_open_case`, alternating in rounds
   between the two ways of keeping the notices job, so drift on a shared machine hits both alike:
   ours = the outbox (one more INSERT inside the case's transaction, `inline` off as in production);
   floor = the former path (the RQ enqueue after commit, a Redis round trip, on a bench-only Redis database
   14 emptied before and after). Cases per second; higher is better; target 1.0 (no slower than before).
2. `outbox_worker_drain`: the notices of the outbox round's cases run by one in-process worker
   (`jobs.work(burst=True)`: the notices job, then its e-mail/SMS copy jobs, to dummy back ends), as
   cases fully processed per second; floor = the intake rate just measured; target 1.0 (one worker keeps up
   with one intake loop). Issue 16's `worker_throughput` (HTTP intake against several workers) is not this.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import migrate, report, setup_django  # noqa: E402
from _pg import fresh_database, skip_unless_postgres  # noqa: E402

BENCH_REDIS = "redis://127.0.0.1:6379/14"
TEXTS = ["井盖丢了，路上有个大洞", "路灯不亮好几天了", "暴露垃圾堆了好几天没人清", "墙上贴满了小广告"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=600, help="reports per way (default 600)")
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds (default 6)")
    return parser.parse_args()


def redis_client():
    try:
        import redis

        client = redis.Redis.from_url(BENCH_REDIS, socket_connect_timeout=2)
        client.ping()
        return client
    except Exception as exc:  # noqa: BLE001 - any failure means: no RQ figure
        print(f"notice_job_intake: Redis not reachable at {BENCH_REDIS} ({exc}); RQ floor skipped.")
        return None


def main() -> None:
    args = parse_args()
    skip_unless_postgres("notice_outbox")
    fresh_database("_outbox")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ["JINGZHI_SMS_BACKEND"] = "jingzhi.core.sms.LocmemSmsBackend"
    os.environ["JINGZHI_JOBS_INLINE"] = "0"
    client = redis_client()
    if client is not None:
        client.flushdb()
        os.environ["REDIS_URL"] = BENCH_REDIS  # the production profile, as both ways run there
    setup_django()
    migrate()
    from django.db import transaction

    from jingzhi.accounts.models import User
    from jingzhi.cases.actions import do_open_case
    from jingzhi.cases.actions import intake as intake_module
    from jingzhi.core import jobs, sms
    from jingzhi.core.models import OutboxJob
    from jingzhi.demo import city
    from jingzhi.demo.build import build_demo

    build_demo(case_count=0)
    resident = User.objects.get(username="resident")
    grids = [g["geometry"]["coordinates"][0] for g in city.build_city().grids]
    rng = random.Random(7)

    def point():
        ring = rng.choice(grids)
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return (
            min(xs) + rng.uniform(0.2, 0.8) * (max(xs) - min(xs)),
            min(ys) + rng.uniform(0.2, 0.8) * (max(ys) - min(ys)),
        )

    outbox_enqueue = intake_module.enqueue_after_commit
    rq_backend = None
    if client is not None:
        from django_tasks_rq import RQBackend

        rq_backend = RQBackend("default", {"QUEUES": ["default"]})

    def rq_enqueue(task, *a, using=None, **kw):
        """The path before ADR 0004: hand the job to RQ once the transaction has committed."""
        transaction.on_commit(lambda: rq_backend.enqueue(task, list(a), kw), using=using)

    def run(way: str, n: int, tag: str) -> float:
        intake_module.enqueue_after_commit = outbox_enqueue if way == "outbox" else rq_enqueue
        work = [(f"{tag}-{i}", rng.choice(TEXTS), *point()) for i in range(n)]
        started = time.perf_counter()
        for key, text, lon, lat in work:
            do_open_case(
                actor=resident, source="resident_web", description=text, lon=lon, lat=lat, idempotency_key=key
            )
        return time.perf_counter() - started

    ways = ["outbox"] + (["rq"] if rq_backend else [])
    for way in ways:  # warm-up: caches, plans, connections; not timed
        run(way, 30, f"warm-{way}")
    OutboxJob.objects.all().delete()
    per_round = max(1, args.cases // args.rounds)
    elapsed = dict.fromkeys(ways, 0.0)
    for r in range(args.rounds):
        for way in ways if r % 2 == 0 else reversed(ways):
            elapsed[way] += run(way, per_round, f"{way}-{r}")
    total = per_round * args.rounds
    rates = {way: total / elapsed[way] for way in ways}
    print(f"  {total} reports per way; " + ", ".join(f"{w}: {rates[w]:.1f} cases/s" for w in ways))
    if "rq" in rates:
        report("notice_job_intake", ours=rates["outbox"], floor=rates["rq"], target=1.0, unit="cases/s")

    pending = OutboxJob.objects.filter(state=OutboxJob.PENDING).count()
    assert pending == total, (pending, total)
    started = time.perf_counter()
    ran = jobs.work(burst=True)
    drained = time.perf_counter() - started
    left = OutboxJob.objects.exclude(state=OutboxJob.DONE).count()
    print(
        f"  worker: {ran} jobs for {total} cases in {drained:.2f}s ({ran / drained:.1f} jobs/s), {left} not done"
    )
    sms.outbox.clear()
    report("outbox_worker_drain", ours=total / drained, floor=rates["outbox"], target=1.0, unit="cases/s")
    if client is not None:
        client.flushdb()


if __name__ == "__main__":
    main()
