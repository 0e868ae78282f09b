"""Case intake on PostgreSQL: cases per second through `do_open_case`, and requests per second over HTTP.

Data: a fresh database (`<bench db>_intake`), migrated, with the demo district, departments, people, default
taxonomy and responsibility list loaded by the demo builder — but no demo cases.

1. `intake_do_open_case`: N resident reports (default 2,000), each one `do_open_case` call in its own
   transaction, as the resident web page makes them: a text without a category (so the keyword suggestion
   runs), a point inside a random grid (`geo.locate`), an idempotency key, the duplicate search, the case
   number counter, the timeline event, the hash-chained audit row, and the notices job written into the job
   outbox in the same transaction (production profile when Redis is reachable; see `production_queue`).
   Routing by the responsibility list happens later, at dispatch, not at intake. The floor, in the same
   run: one INSERT of an equivalent row (number, source, state, text, point, codes, times) into a plain table,
   one transaction per row, through psycopg with no ORM.
2. `intake_http`: gunicorn (2 workers, the project's settings, the same database) under `wrk` for a bounded
   time (default 10 s, 8 connections) POSTing JSON reports to the cases API `POST /api/v1/cases/` with a
   Bearer token; the floor is a bare DRF create endpoint on the same server (`bench/_urls_http.py`: same
   authentication and JSON parsing, one raw INSERT). Needs the `wrk` program (Debian: `apt-get install wrk`);
   without it, or while the cases API is missing, that figure is skipped with a message.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, migrate, report, setup_django  # noqa: E402
from _pg import fresh_database, skip_unless_postgres  # noqa: E402

TEXTS = [
    "井盖丢了，路上有个大洞",
    "路灯不亮好几天了",
    "暴露垃圾堆了好几天没人清",
    "乱停车把消防通道堵了",
    "墙上贴满了小广告",
    "楼道口堆物堆料",
    "道路破损有坑洼",
    "占道经营的摊贩很多",
    "施工扰民到半夜",
    "行道树树枝断了悬在路上",
    "公厕没人打扫",
    "私搭乱建正在施工",
]


RUN = int(time.time())  # keys unique to this run, so a reused database takes every report as new


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="reports through do_open_case (default 2000)")
    parser.add_argument("--floor-rows", type=int, default=5000, help="rows for the raw INSERT floor")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint (default 10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP figure")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database of an earlier run (skips the demo build)"
    )
    return parser.parse_args()


def points(n: int, seed: int):
    """Random points well inside random demo grids (lon, lat)."""
    from jingzhi.demo import city

    rng = random.Random(seed)
    grids = [g["geometry"]["coordinates"][0] for g in city.build_city().grids]
    out = []
    for _ in range(n):
        ring = rng.choice(grids)
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        out.append(
            (
                min(xs) + rng.uniform(0.1, 0.9) * (max(xs) - min(xs)),
                min(ys) + rng.uniform(0.1, 0.9) * (max(ys) - min(ys)),
            )
        )
    return out


def bench_do_open_case(n: int) -> float:
    from jingzhi.accounts.models import User
    from jingzhi.cases.actions import do_open_case
    from jingzhi.cases.models import Case

    resident = User.objects.get(username="resident")
    rng = random.Random(3)
    warm = points(50, 1)
    for i, (lon, lat) in enumerate(warm):  # index build, caches, first queries: not timed
        do_open_case(
            actor=resident,
            source="resident_web",
            description=rng.choice(TEXTS),
            lon=lon,
            lat=lat,
            idempotency_key=f"warm-{RUN}-{i}",
        )
    work = [(f"bench-{RUN}-{i}", rng.choice(TEXTS), lon, lat) for i, (lon, lat) in enumerate(points(n, 2))]
    started = time.perf_counter()
    for key, text, lon, lat in work:
        do_open_case(
            actor=resident, source="resident_web", description=text, lon=lon, lat=lat, idempotency_key=key
        )
    elapsed = time.perf_counter() - started
    made = Case.objects.filter(idempotency_key__startswith=f"bench-{RUN}-").count()
    assert made == n, (made, n)
    return n / elapsed


FLOOR_TABLE = """
CREATE TABLE IF NOT EXISTS bench_intake_floor (
    id bigserial PRIMARY KEY, number varchar(32) NOT NULL UNIQUE, source varchar(16) NOT NULL,
    state varchar(20) NOT NULL, description text NOT NULL, lon double precision, lat double precision,
    grid_code varchar(32) NOT NULL, community_code varchar(32) NOT NULL, subdistrict_code varchar(32) NOT NULL,
    district_code varchar(32) NOT NULL, idempotency_key varchar(100) NOT NULL, reported_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL, version integer NOT NULL
)"""


def bench_floor(n: int, url: str) -> float:
    import psycopg

    rng = random.Random(4)
    rows = [
        (
            f"F{i:012d}",
            "resident_web",
            "reported",
            rng.choice(TEXTS),
            lon,
            lat,
            "110199001001001",
            "110199001001",
            "110199001",
            "110199",
            f"floor-{i}",
            1,
        )
        for i, (lon, lat) in enumerate(points(n, 5))
    ]
    sql = (
        "INSERT INTO bench_intake_floor (number, source, state, description, lon, lat, grid_code, "
        "community_code, subdistrict_code, district_code, idempotency_key, reported_at, updated_at, version) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, now(), now(), %s)"
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(FLOOR_TABLE)
        conn.execute("TRUNCATE bench_intake_floor")
        started = time.perf_counter()
        for row in rows:  # autocommit: one transaction (and one commit flush) per row, as intake has
            conn.execute(sql, row)
        elapsed = time.perf_counter() - started
    return n / elapsed


# ---------------------------------------------------------------------------------------------------- HTTP
LUA = r"""
local counter = 0
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end
function init(args)
  math.randomseed(tid * 7919)
end
local texts = {%(texts)s}
request = function()
  counter = counter + 1
  local key = string.format("%(run)s-%%d-%%d", tid, counter)
  local lon = %(lon0).7f + (0.05 + 0.9 * math.random()) * %(dlon).7f
  local lat = %(lat0).7f + (0.05 + 0.9 * math.random()) * %(dlat).7f
  local body = string.format('{"description":"%%s","lon":%%.7f,"lat":%%.7f,"idempotency_key":"%%s"}',
                             texts[math.random(#texts)], lon, lat, key)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json",
                                  ["Authorization"] = "Bearer %(token)s",
                                  ["Idempotency-Key"] = key}, body)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, token: str, body: dict) -> tuple[int, str]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()[:300]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")[:300]


def run_wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, int, int]:
    """(requests/s, requests, non-2xx responses)."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if errors:
        print(f"  wrk: {errors.group(0)}")
    return rate, total, int(bad.group(1)) if bad else 0


def bench_http(args, url: str) -> None:
    from django.db import connection

    from jingzhi.accounts.actions import do_create_api_token
    from jingzhi.accounts.models import User
    from jingzhi.demo import city

    if shutil.which("wrk") is None:
        print(
            "intake_http: `wrk` is not installed (Debian/Ubuntu: apt-get install -y wrk); HTTP figure skipped."
        )
        return
    resident = User.objects.get(username="resident")
    _token, key = do_create_api_token(actor=None, user=resident, name="intake bench")
    with connection.cursor() as cursor:
        from _urls_http import FLOOR_TABLE_SQL

        cursor.execute(FLOOR_TABLE_SQL)
    connection.close()

    with serve(url, args.workers) as base:
        if base is None:
            return
        lon0, lat0 = city.ORIGIN_LON, city.ORIGIN_LAT - city.ROWS * city.CELL_DLAT
        sample = {
            "description": TEXTS[0],
            "lon": lon0 + 0.0031,
            "lat": lat0 + 0.0013,
            "idempotency_key": "probe-1",
        }
        status_bare, body_bare = post(f"{base}/bench/bare-create/", key, sample)
        status_ours, body_ours = post(f"{base}/api/v1/cases/", key, sample)
        print(f"probe: bare-create {status_bare}; /api/v1/cases/ {status_ours} {body_ours[:160]}")
        if status_bare != 201:
            print(f"intake_http: the bare endpoint answered {status_bare}: {body_bare}; HTTP figure skipped.")
            return
        if status_ours not in (200, 201):
            print(
                "intake_http: POST /api/v1/cases/ does not accept a report yet "
                f"(HTTP {status_ours}); HTTP figure skipped."
            )
            return
        texts = ", ".join(json.dumps(t, ensure_ascii=False) for t in TEXTS)
        values = {
            "texts": texts,
            "lon0": lon0,
            "lat0": lat0,
            "dlon": city.COLUMNS * city.CELL_DLON,
            "dlat": city.ROWS * city.CELL_DLAT,
            "token": key,
        }
        results = {}
        for name, path in (("floor", "/bench/bare-create/"), ("ours", "/api/v1/cases/")):
            script = Path(tempfile.mkdtemp(prefix="jz-wrk-")) / f"{name}.lua"
            script.write_text(LUA % {**values, "run": f"wrk-{name}-w-{int(time.time())}"}, encoding="utf-8")
            run_wrk(
                base + path, script, 3, args.connections
            )  # warm-up: every web worker has served, not timed
            script.write_text(LUA % {**values, "run": f"wrk-{name}-{int(time.time())}"}, encoding="utf-8")
            rate, total, bad = run_wrk(base + path, script, args.seconds, args.connections)
            print(f"  {name}: {path} {total} requests in {args.seconds}s, {bad} not 2xx, {rate:.1f} req/s")
            if bad > total * 0.01:
                print(f"intake_http: {bad} of {total} responses were errors on {path}; figure not reported.")
                return
            results[name] = rate
        report("intake_http", ours=results["ours"], floor=results["floor"], target=0.35, unit="req/s")


@contextlib.contextmanager
def serve(url: str, workers: int, extra_env: dict | None = None):
    """gunicorn (`workers` processes, the project's settings plus the bench routes) on a free loopback port;
    yields its base URL once it answers, or None (with the log printed) when it did not start."""
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists():
        gunicorn = Path(shutil.which("gunicorn") or "gunicorn")
    port = free_port()
    env = {
        **os.environ,
        # The bench's one resident sends thousands of reports a minute: the reporting limits are raised far
        # above that, so the check (one Redis script call for both limits) still runs on every request but
        # never refuses.
        "JINGZHI_RATE_REPORTS_PER_USER": "100000000",
        "JINGZHI_RATE_REPORTS_PER_IP": "100000000",
        **(extra_env or {}),
        "DJANGO_SETTINGS_MODULE": "_settings_http",
        "DATABASE_URL": url,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parent), str(ROOT)]),
    }
    log = tempfile.NamedTemporaryFile(prefix="jz-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        [
            str(gunicorn),
            "jingzhi.config.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                with urllib.request.urlopen(f"{base}/bench/ping/", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        if server.poll() is not None:
            print("gunicorn did not start:\n" + Path(log.name).read_text()[-2000:])
            yield None
        else:
            yield base
    finally:
        log.close()
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


BENCH_REDIS = "redis://127.0.0.1:6379/14"


def production_queue() -> str:
    """Measure intake as production runs it: `REDIS_URL` set (default a bench-only database 14 on the local
    server, emptied before and after), so the notices job stays in the outbox for a worker (ADR 0004).
    Without a reachable Redis the embedded profile runs the notices in-process after commit, and the figure
    says so."""
    url = os.environ.get("REDIS_URL") or BENCH_REDIS
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means: no queue here
        os.environ.pop("REDIS_URL", None)
        return f"embedded (Redis not reachable at {url}: {exc}); notices run in-process after each commit"
    if url == BENCH_REDIS:
        client.flushdb()
    os.environ["REDIS_URL"] = url
    return f"production profile, Redis {url}: jobs stay in the outbox, no worker drains them during the run"


def main() -> None:
    args = parse_args()
    skip_unless_postgres("intake")
    if args.reuse:
        from _pg import DEFAULT_URL

        url = (os.environ.get("DATABASE_URL") or DEFAULT_URL) + "_intake"
        os.environ["DATABASE_URL"] = url
    else:
        url = fresh_database("_intake")
    print(f"tasks: {production_queue()}")
    setup_django()
    started = time.perf_counter()
    migrate()
    from jingzhi.accounts.models import User
    from jingzhi.demo.build import build_demo

    if not User.objects.filter(username="resident").exists():
        build_demo(case_count=0)
    print(
        f"database {url.rsplit('/', 1)[-1]}: migrated and demo district loaded in "
        f"{time.perf_counter() - started:.1f}s"
    )
    ours = bench_do_open_case(args.cases)
    floor = bench_floor(max(args.floor_rows, args.cases), url)
    report("intake_do_open_case", ours=ours, floor=floor, target=0.10, unit="cases/s")
    if not args.no_http:
        bench_http(args, url)
    if os.environ.get("REDIS_URL") == BENCH_REDIS:
        import redis

        redis.Redis.from_url(BENCH_REDIS).flushdb()


if __name__ == "__main__":
    main()
