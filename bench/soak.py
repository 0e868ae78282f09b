"""The scale-out soak: a city deployment in miniature on loopback, driven for a bounded time, with a web node
and a worker killed midway; then the checks that nothing was lost (`make soak`, not in CI).

Started here, all on 127.0.0.1 and all under var/soak/ (removed at the start of each run):
- PostgreSQL primary (initdb) and a streaming replica made with pg_basebackup (-R), from the server's own
  binaries under /usr/lib/postgresql/*/bin, run as the `postgres` user when this runs as root;
- Redis (cache, sessions through cached_db), moto's S3 server (photos, private bucket);
- two web nodes (gunicorn, 2 workers each, the production settings with DATABASE_REPLICA_URL) behind nginx
  (round robin, Debian's nginx; passive health checks take the dead node out);
- two job workers (`jingzhi worker`);
- locust, headless, for --minutes (default 10) with --users simulated people (bench/_soak_locust.py).

At half time one web node and one worker are killed with SIGKILL (no clean shutdown). When the load stops, the
surviving worker drains the outbox; then every report the server accepted must exist exactly once with its
timeline, audit rows and notices, the replica must have caught up, and `jingzhi audit verify` must pass.
Prints `bench:` lines: the loss checks in the house format (ours/floor/ratio/target) and per endpoint
throughput, p50/p95/p99 and errors.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import glob
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, report  # noqa: E402

VAR = ROOT / "var" / "soak"
BIN = Path(sys.executable).parent
TEXTS = [
    "井盖丢了，路上有个大洞",
    "路灯不亮好几天了",
    "暴露垃圾堆了好几天没人清",
    "乱停车把消防通道堵了",
    "墙上贴满了小广告",
    "楼道口堆物堆料",
    "道路破损有坑洼",
    "占道经营的摊贩很多",
]
procs: list[tuple[str, subprocess.Popen]] = []


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10, help="load duration (default 10)")
    p.add_argument("--users", type=int, default=12, help="simulated people (default 12)")
    p.add_argument("--spawn-rate", type=float, default=4, help="people started per second (default 4)")
    return p.parse_args()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        sys.exit(f"soak: {name} not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
    return found[-1]


def as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def run(cmd: list[str], **kw) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)


def start(name: str, cmd: list[str], env: dict | None = None, log: str | None = None) -> subprocess.Popen:
    out = open(VAR / f"{log or name}.log", "ab")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    procs.append((name, proc))
    return proc


def wait_port(port: int, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"soak: {what} did not listen on 127.0.0.1:{port} within {seconds:.0f}s (see {VAR})")


def kill_group(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def postgres_pair() -> tuple[int, int]:
    primary, replica = VAR / "pg-primary", VAR / "pg-replica"
    p1, p2 = free_port(), free_port()
    VAR.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(VAR, "postgres")
    run(as_postgres([pg_bin("initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8"]))
    conf = (
        f"\nport = {p1}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{VAR}'\n"
        "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
        "synchronous_commit = on\nshared_buffers = 128MB\nmax_connections = 120\n"
    )
    with open(primary / "postgresql.conf", "a") as fh:
        fh.write(conf)
    with open(primary / "pg_hba.conf", "a") as fh:
        fh.write("host replication postgres 127.0.0.1/32 trust\n")
    run(as_postgres([pg_bin("pg_ctl"), "-D", str(primary), "-l", str(VAR / "pg-primary.log"), "-w", "start"]))
    run(
        as_postgres(
            [pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(p1), "-U", "postgres", "-D", str(replica)]
            + ["-R", "-X", "stream"]
        )
    )
    with open(replica / "postgresql.auto.conf", "a") as fh:
        fh.write(f"\nport = {p2}\n")
    run(as_postgres([pg_bin("pg_ctl"), "-D", str(replica), "-l", str(VAR / "pg-replica.log"), "-w", "start"]))
    run([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(p1), "-U", "postgres", "jingzhi"])
    return p1, p2


def stop_postgres() -> None:
    for d in ("pg-replica", "pg-primary"):
        if (VAR / d / "postmaster.pid").exists():
            subprocess.run(
                as_postgres([pg_bin("pg_ctl"), "-D", str(VAR / d), "-m", "fast", "-w", "stop"]),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )


def nginx_conf(port: int, upstreams: list[int]) -> Path:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in upstreams)
    conf = VAR / "nginx.conf"
    conf.write_text(
        f"""worker_processes 1;
pid {VAR}/nginx.pid;
error_log {VAR}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {VAR}/nginx-body;
    proxy_temp_path {VAR}/nginx-proxy;
    fastcgi_temp_path {VAR}/nginx-fcgi;
    uwsgi_temp_path {VAR}/nginx-uwsgi;
    scgi_temp_path {VAR}/nginx-scgi;
    client_max_body_size 40m;
    upstream jingzhi {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://jingzhi;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout;
            proxy_connect_timeout 2s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""
    )
    return conf


def setup_data(env: dict) -> dict:
    """Migrate, load the demo district (no cases), and make the credentials the load uses."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "jingzhi.config.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    from jingzhi.accounts.actions import do_create_api_token
    from jingzhi.accounts.models import User
    from jingzhi.demo import city
    from jingzhi.demo.build import build_demo
    from jingzhi.open311.actions import do_create_client

    build_demo(case_count=0, street_months=0)
    grids = [g["geometry"]["coordinates"][0] for g in city.build_city().grids]
    boxes = []
    for ring in grids:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        boxes.append([min(xs), min(ys), max(xs), max(ys)])
    tokens = {}
    for name in ("operator", "inspector", "shift_lead", "dispatcher", "handler"):
        tokens[name] = do_create_api_token(actor=None, user=User.objects.get(username=name), name="soak")[1]
    resident = User.objects.get(username="resident")
    resident_tokens = [do_create_api_token(actor=None, user=resident, name=f"soak {i}")[1] for i in range(4)]
    _client, key = do_create_client(actor=None, name="soak", rate_limit_per_minute=1_000_000)
    browser = Client()
    browser.force_login(User.objects.get(username="district_admin"))
    from jingzhi.taxonomy.models import FilingCondition

    condition = FilingCondition.objects.order_by("id").values_list("id", flat=True).first()
    services = Client().get("/open311/v2/services.json")
    codes = [row["service_code"] for row in services.json()][:40] if services.status_code == 200 else []
    return {
        "texts": TEXTS,
        "boxes": random.Random(1).sample(boxes, min(len(boxes), 40)),
        "tokens": tokens,
        "resident_tokens": resident_tokens,
        "open311_key": key,
        "leader_session": browser.cookies["sessionid"].value,
        "service_codes": codes or ["event-0101"],
        "filing_condition": condition,
    }


GROWTH_TABLES = [
    "cases_case",
    "cases_caseevent",
    "core_auditevent",
    "core_notification",
    "core_outboxjob",
    "core_attachment",
]


def table_sizes() -> dict[str, tuple[int, int]]:
    """(rows, bytes with indexes and TOAST) of the tables that grow with every report."""
    from django.db import connection

    out = {}
    with connection.cursor() as cursor:
        for table in GROWTH_TABLES:
            cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
            out[table] = tuple(int(v) for v in cursor.fetchone())
    return out


def drain(seconds: float = 300) -> int:
    """Wait for the surviving worker to finish the due jobs; the number still due at the end."""
    from django.utils import timezone

    from jingzhi.core.models import OutboxJob

    deadline = time.monotonic() + seconds
    while True:
        due = OutboxJob.objects.filter(state=OutboxJob.PENDING, run_after__lte=timezone.now()).count()
        if due == 0 or time.monotonic() > deadline:
            return due
        time.sleep(2)


def check_nothing_lost(accepted: list[dict]) -> dict:
    from django.db.models import Count

    from jingzhi.cases.models import Case, CaseEvent
    from jingzhi.core.models import AuditEvent, Notification, OutboxJob

    keys = [a["key"] for a in accepted if a["kind"] == "case"]
    by_key = dict(
        Case.objects.filter(idempotency_key__in=keys)
        .values_list("idempotency_key")
        .annotate(n=Count("id"))
        .values_list("idempotency_key", "n")
    )
    once = sum(1 for k in set(keys) if by_key.get(k) == 1)
    ids = list(Case.objects.filter(idempotency_key__in=keys).values_list("id", flat=True))
    o311 = [a["id"] for a in accepted if a["kind"] == "open311" and a["id"]]
    all_ids = {str(i) for i in ids}
    with_events = set(CaseEvent.objects.filter(case_id__in=ids).values_list("case_id", flat=True).distinct())
    with_audit = set(
        AuditEvent.objects.filter(target_type="cases.case", target_id__in=all_ids)
        .values_list("target_id", flat=True)
        .distinct()
    )
    with_notice = set(
        Notification.objects.filter(target_id__in=all_ids).values_list("target_id", flat=True).distinct()
    )
    return {
        "accepted": len(set(keys)),
        "exactly_once": once,
        "with_timeline": len(with_events),
        "with_audit": len(with_audit),
        "with_notice": len(with_notice),
        "open311_accepted": len(o311),
        "jobs_dead": OutboxJob.objects.filter(state=OutboxJob.DEAD).count(),
        "cases_total": Case.objects.count(),
    }


def replica_reads(port: int) -> int:
    """Transactions the replica has served (a standby counts its own read-only transactions)."""
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/jingzhi") as conn:
        row = conn.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = 'jingzhi'").fetchone()
    return int(row[0] or 0)


def replica_caught_up(p2: int, primary_cases: int, seconds: float = 60) -> bool:
    import psycopg

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{p2}/jingzhi") as conn:
            n = conn.execute("SELECT count(*) FROM cases_case").fetchone()[0]
            standby = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        if n == primary_cases and standby:
            return True
        time.sleep(1)
    return False


def endpoint_lines(stats_csv: Path, seconds: float) -> None:
    with stats_csv.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row.get("Type") == "NOTE":
                print(f"soak: {row['Name']}: {row['Request Count']} times", flush=True)
                continue
            name = row["Name"].replace(" ", "_")
            print(
                f"bench: soak_endpoint {name} requests={row['Request Count']} "
                f"rps={float(row['Requests/s']):.2f} p50={row['50%']}ms p95={row['95%']}ms "
                f"p99={row['99%']}ms errors={row['Failure Count']}",
                flush=True,
            )


def main() -> int:
    args = parse_args()
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        sys.exit("soak: nginx not found (Debian: apt-get install nginx-light)")
    if not shutil.which("redis-server"):
        sys.exit("soak: redis-server not found (Debian: apt-get install redis-server)")
    shutil.rmtree(VAR, ignore_errors=True)
    VAR.mkdir(parents=True)
    seconds = args.minutes * 60
    try:
        print(f"soak: starting PostgreSQL primary + streaming replica under {VAR}", flush=True)
        p1, p2 = postgres_pair()
        redis_port, s3_port, nginx_port = free_port(), free_port(), free_port()
        start("redis", ["redis-server", "--bind", "127.0.0.1", "--port", str(redis_port), "--save", ""])
        start("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)])
        wait_port(redis_port, "redis")
        wait_port(s3_port, "moto S3 server")
        import boto3

        boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{s3_port}",
            aws_access_key_id="soak",
            aws_secret_access_key="soak",
            region_name="us-east-1",
        ).create_bucket(Bucket="jingzhi-soak")
        anchors = VAR / "anchors"
        anchors.mkdir()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{p1}/jingzhi",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{p2}/jingzhi",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "JINGZHI_S3_BUCKET": "jingzhi-soak",
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
            "S3_ACCESS_KEY_ID": "soak",
            "S3_SECRET_ACCESS_KEY": "soak",
            "S3_REGION": "us-east-1",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "JINGZHI_AUDIT_KEY": secrets.token_hex(32),
            "JINGZHI_AUDIT_ANCHOR_DIR": str(anchors),
            "JINGZHI_TRUSTED_PROXIES": "1",
            "JINGZHI_DB_POOL_MAX": "4",
            # The soak measures capacity and loss, not the per-person limits (all load comes from 127.0.0.1).
            "JINGZHI_RATE_REPORTS_PER_USER": "0",
            "JINGZHI_RATE_REPORTS_PER_IP": "0",
            "JINGZHI_SUGGEST_RETRAIN_EVERY": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "DEBUG": "0",
            "LOG_LEVEL": "ERROR",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env["JINGZHI_VAR"] = str(VAR / "setup")
        started = time.monotonic()
        config = setup_data(env)
        print(f"soak: migrated and loaded the demo district in {time.monotonic() - started:.0f}s", flush=True)
        (VAR / "config.json").write_text(json.dumps(config, ensure_ascii=False))

        web_ports = [free_port(), free_port()]
        webs = []
        for i, port in enumerate(web_ports, 1):
            node_env = {**env, "JINGZHI_VAR": str(VAR / f"web{i}")}  # nothing shared through the disk
            webs.append(
                start(
                    f"web{i}",
                    [str(BIN / "gunicorn"), "jingzhi.config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
                    + ["--access-logfile", "/dev/null", "--timeout", "60"],
                    node_env,
                )
            )
        workers = [
            start(
                f"worker{i}",
                [sys.executable, "manage.py", "worker"],
                {**env, "JINGZHI_VAR": str(VAR / f"worker{i}")},
            )
            for i in (1, 2)
        ]
        for port in web_ports:
            wait_port(port, "gunicorn")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        start("nginx", [nginx, "-c", str(nginx_conf(nginx_port, web_ports)), "-g", "daemon off;"])
        wait_port(nginx_port, "nginx")
        with urllib.request.urlopen(f"http://127.0.0.1:{nginx_port}/open311/v2/services.json", timeout=30):
            pass
        print(
            f"soak: nginx 127.0.0.1:{nginx_port} → web {web_ports}; primary :{p1}, replica :{p2}, "
            f"redis :{redis_port}, s3 :{s3_port}; {args.users} users for {args.minutes:g} min",
            flush=True,
        )
        accepted_file = VAR / "accepted.jsonl"
        replica_before, primary_before = replica_reads(p2), replica_reads(p1)
        sizes_before = table_sizes()
        locust = start(
            "locust",
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "_soak_locust.py"), "--headless"]
            + ["-u", str(args.users), "-r", str(args.spawn_rate), "--run-time", f"{int(seconds)}s"]
            + ["--host", f"http://127.0.0.1:{nginx_port}", "--csv", str(VAR / "locust"), "--only-summary"]
            + ["--stop-timeout", "10"],
            {**env, "SOAK_CONFIG": str(VAR / "config.json"), "SOAK_ACCEPTED": str(accepted_file)},
        )
        load_started = time.monotonic()
        time.sleep(seconds / 2)
        kill_group(webs[0], signal.SIGKILL)
        kill_group(workers[0], signal.SIGKILL)
        print(
            f"soak: killed web node 1 and worker 1 (SIGKILL) at {time.monotonic() - load_started:.0f}s",
            flush=True,
        )
        locust.wait(timeout=seconds + 120)
        load_seconds = time.monotonic() - load_started
        due = drain()
        accepted = [json.loads(line) for line in accepted_file.read_text().splitlines() if line.strip()]
        facts = check_nothing_lost(accepted)
        caught_up = replica_caught_up(p2, facts["cases_total"])
        from django.core.management import call_command

        call_command("audit", "anchor", verbosity=0)
        verify = subprocess.run(
            [sys.executable, "manage.py", "audit", "verify", "--require-anchor"],
            cwd=ROOT,
            env={**env, "JINGZHI_VAR": str(VAR / "verify")},
            capture_output=True,
            text=True,
        )
        print(f"soak: audit verify exit {verify.returncode}: {(verify.stdout + verify.stderr).strip()[:300]}")
        print(f"soak: jobs still due after draining: {due}; facts: {json.dumps(facts)}", flush=True)
        print(
            f"soak: replica caught up with the primary: {caught_up}; transactions served by the replica: "
            f"{replica_reads(p2) - replica_before} (primary: {replica_reads(p1) - primary_before})",
            flush=True,
        )

        from django.db.models import Count as _Count

        from jingzhi.cases.models import Case as _Case

        states = dict(_Case.objects.values_list("state").annotate(n=_Count("id")).values_list("state", "n"))
        print(f"soak: cases by state after the run: {json.dumps(states)}", flush=True)
        sizes_after = table_sizes()
        made = max(1, sizes_after["cases_case"][0] - sizes_before["cases_case"][0])
        for table in GROWTH_TABLES:
            rows = sizes_after[table][0] - sizes_before[table][0]
            size = sizes_after[table][1] - sizes_before[table][1]
            print(
                f"soak: growth {table}: {rows} rows, {rows / made:.2f} per case, "
                f"{size / made / 1024:.1f} KiB per case (table+indexes)",
                flush=True,
            )
        endpoint_lines(VAR / "locust_stats.csv", load_seconds)
        n = facts["accepted"]
        report("soak_reports_exactly_once", ours=facts["exactly_once"], floor=n, target=1, unit="reports")
        report("soak_reports_with_timeline", ours=facts["with_timeline"], floor=n, target=1, unit="reports")
        report("soak_reports_with_audit", ours=facts["with_audit"], floor=n, target=1, unit="reports")
        report("soak_reports_with_notice", ours=facts["with_notice"], floor=n, target=1, unit="reports")
        report("soak_audit_verify", ours=int(verify.returncode == 0), floor=1, target=1, unit="pass")
        report("soak_replica_caught_up", ours=int(caught_up), floor=1, target=1, unit="pass")
        ok = (
            facts["exactly_once"] == n
            and facts["with_timeline"] == n
            and facts["with_audit"] == n
            and verify.returncode == 0
            and caught_up
        )
        return 0 if ok else 1
    finally:
        for _name, proc in reversed(procs):
            kill_group(proc)
        for _name, proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                kill_group(proc, signal.SIGKILL)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may never have been set up
            pass
        stop_postgres()


if __name__ == "__main__":
    sys.exit(main())
