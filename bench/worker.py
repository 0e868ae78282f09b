"""Do the background workers keep up with intake? Cases fully processed per second by the production worker
set-up against the HTTP intake rate on the same machine (issue 16's `worker_throughput`). PostgreSQL only.

Data: a fresh database (`<bench db>_worker`), migrated, the demo district and people loaded, no cases;
production profile (Redis for the cache and rate limits when reachable, `JINGZHI_JOBS_INLINE=0`: every job
stays in the outbox for `jingzhi worker`; e-mail to Django's dummy back end, SMS to the in-memory one).

1. Intake: gunicorn (2 workers, the project's settings) under `wrk` POSTing resident reports to
   `POST /api/v1/cases/` for `--seconds` (default 15); no job runs meanwhile. floor = wrk's rate (req/s).
2. Work: `--workers` (default 2) `jingzhi worker` processes — the production command, one database
   connection each, no fork per job — are started on the backlog and timed until no job of the run is left
   pending (the notices job of each case and the e-mail/SMS jobs it writes). ours = cases / that time.

`bench: worker_throughput ours=<cases fully processed/s> floor=<intake req/s> ratio=… target=1.0`: at ≥ 1
the workers drain work faster than one web node (2 gunicorn workers) takes it in. The two phases run one
after the other so each has the machine (2 cores) to itself; in production they share it, and then what
decides is the ratio: the CPU time per case of the jobs against that of the request. It also prints the
jobs per case and the jobs per second.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, migrate, report, setup_django  # noqa: E402
from _pg import fresh_database, skip_unless_postgres  # noqa: E402
from intake import LUA, TEXTS, post, production_queue, run_wrk, serve  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration (default 15)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="`jingzhi worker` processes (default 2)")
    parser.add_argument("--timeout", type=int, default=600, help="give up draining after this many seconds")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of an earlier run (skips the demo build)"
    )
    return parser.parse_args()


def job_counts(url: str) -> tuple[int, int]:
    """(pending, done) rows of the job outbox."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'done') "
            "FROM core_outboxjob"
        ).fetchone()
    return row[0], row[1]


def main() -> None:
    args = parse_args()
    skip_unless_postgres("worker")
    import shutil

    if shutil.which("wrk") is None:
        print("worker_throughput: `wrk` is not installed (apt-get install -y wrk); skipped.")
        return
    if args.reuse:
        from _pg import DEFAULT_URL

        url = (os.environ.get("DATABASE_URL") or DEFAULT_URL) + "_worker"
        os.environ["DATABASE_URL"] = url
    else:
        url = fresh_database("_worker")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    os.environ["JINGZHI_SMS_BACKEND"] = "jingzhi.core.sms.LocmemSmsBackend"
    os.environ["JINGZHI_JOBS_INLINE"] = "0"
    print(f"tasks: {production_queue()}")
    setup_django()
    migrate()
    from django.db import connection

    from jingzhi.accounts.actions import do_create_api_token
    from jingzhi.accounts.models import User
    from jingzhi.cases.models import Case
    from jingzhi.core.models import OutboxJob
    from jingzhi.demo import city
    from jingzhi.demo.build import build_demo

    if not User.objects.filter(username="resident").exists():
        build_demo(case_count=0)
    OutboxJob.objects.all().delete()  # the demo's own notices (or an earlier run's jobs): not this run's
    before = Case.objects.count()
    # Production residents and staff have a phone and often an address: every notice then has copies to
    # send (the demo's people have neither, which would leave the copies jobs out of the figure).
    for user in User.objects.filter(is_active=True):
        user.email = user.email or f"{user.username}@example.org"
        user.phone = user.phone or f"139{user.pk:08d}"
        user.save(update_fields=["email", "phone"])
    resident = User.objects.get(username="resident")
    _token, key = do_create_api_token(actor=None, user=resident, name="worker bench")
    connection.close()

    lon0, lat0 = city.ORIGIN_LON, city.ORIGIN_LAT - city.ROWS * city.CELL_DLAT
    with serve(url, args.web_workers) as base:
        if base is None:
            return
        probe = {
            "description": TEXTS[0],
            "lon": lon0 + 0.0031,
            "lat": lat0 + 0.0013,
            "idempotency_key": "w-0",
        }
        status, body = post(f"{base}/api/v1/cases/", key, probe)
        if status != 201:
            print(f"worker_throughput: POST /api/v1/cases/ answered {status}: {body}; skipped.")
            return
        values = {
            "texts": ", ".join(json.dumps(t, ensure_ascii=False) for t in TEXTS),
            "lon0": lon0,
            "lat0": lat0,
            "dlon": city.COLUMNS * city.CELL_DLON,
            "dlat": city.ROWS * city.CELL_DLAT,
            "token": key,
            "run": f"wrk-worker-{int(time.time())}",
        }
        script = Path(tempfile.mkdtemp(prefix="jz-wrk-")) / "worker.lua"
        script.write_text(LUA % values, encoding="utf-8")
        run_wrk(base + "/api/v1/cases/", script, 3, args.connections)  # warm-up: both web workers, not timed
        script.write_text(LUA % {**values, "run": values["run"] + "-m"}, encoding="utf-8")
        rate, total, bad = run_wrk(base + "/api/v1/cases/", script, args.seconds, args.connections)
    cases = Case.objects.count() - before
    jobs = OutboxJob.objects.count()
    connection.close()
    print(
        f"  intake: {total} requests in {args.seconds}s, {bad} not 2xx, {rate:.1f} req/s; {cases} cases, {jobs} jobs"
    )
    if bad > total * 0.01:
        print(f"worker_throughput: {bad} of {total} intake responses were errors; figure not reported.")
        return

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jingzhi.config.settings", "PYTHONPATH": str(ROOT)}
    command = [str(ROOT / ".venv" / "bin" / "jingzhi"), "worker", "--poll", "0.2"]
    logs = [
        tempfile.NamedTemporaryFile(prefix="jz-worker-", suffix=".log", delete=False)  # noqa: SIM115
        for _ in range(args.workers)
    ]
    started = time.perf_counter()
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT) for log in logs
    ]
    try:
        # The clock starts when the first job is done (the processes have started), not at the spawn:
        # Django's start-up is not throughput. The jobs done before that moment are taken off the count.
        first_at, done_before = None, 0
        left, _done = job_counts(url)
        while left and time.perf_counter() - started < args.timeout:
            time.sleep(0.05)
            left, done_now = job_counts(url)
            if first_at is None and done_now:
                first_at, done_before = time.perf_counter(), done_now
        drained = time.perf_counter() - (first_at or started)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        for log in logs:
            log.close()
    done = OutboxJob.objects.filter(state=OutboxJob.DONE).count()
    left = OutboxJob.objects.exclude(state=OutboxJob.DONE).count()
    # The work done after the clock started, as a share of all of it, in cases.
    timed_jobs = done - done_before
    timed_cases = cases * timed_jobs / max(done, 1)
    print(
        f"  workers ({args.workers}× `jingzhi worker`): {done} jobs ({done / max(cases, 1):.2f} per case), "
        f"{left} not done; timed from the first job done: {timed_jobs} jobs ≈ {timed_cases:.0f} cases in "
        f"{drained:.2f}s ({timed_jobs / drained:.1f} jobs/s)"
    )
    if left:
        for log in logs:
            print(Path(log.name).read_text()[-1500:])
    report("worker_throughput", ours=timed_cases / drained, floor=rate, target=1.0, unit="cases/s")


if __name__ == "__main__":
    main()
