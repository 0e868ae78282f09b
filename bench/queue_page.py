"""A department's queue page with 10 thousand and with 10 million cases in the table (PostgreSQL).

Data: a fresh database (`<bench db>_queue`) with the demo district, departments and people (demo builder,
no demo cases). The measured queue is the demo handler's (区城管执法局) 处置中 queue: 300 cases in handling
with an active assignment to that department, the same 300 at both sizes. Every other row is background
made FAST with SQL (`INSERT … SELECT generate_series`, valid foreign keys to real grids, categories and
departments): 86 % closed, the rest spread over the other states, dispatched rows to every department
(城管执法 included: its closed cases are history it can browse), three subdistricts, three years of reports.
Each dispatched row also gets its CaseAssignment (a closed case's still active, its work ended at the close:
`ended_at`). After each load: VACUUM ANALYZE, as autovacuum would.

Measured, best and median of `--repeat` runs after warm-up, at 10 k rows and again at `--rows` (default 10 M):
- `queue_10k_vs_10m`: the workbench page `/cases/?queue=handling` rendered for the handler through Django's
  test client (every query the page makes: tab counts, the page of rows, the map points);
- `queue_page_rows_10k_vs_10m`: `queries.queue_for(handler, "handling")` first page (25 rows) evaluated and
  serialised to dicts — the queue's own query, without the page around it.
(The file is not called queue.py: bench/ is first on sys.path when a bench runs, and a queue.py there
would shadow the standard library's `queue`, which psycopg imports.)
Ratios are floor/ours = ms at 10 k / ms at 10 M (target 0.67: at most 1.5× apart). The query counts and
the EXPLAIN (ANALYZE) of the queue's main query at each size are printed, to name any index the page lacks.

`--reuse` (for iterating on queries and indexes): the two sizes live in two databases kept between runs,
`<bench db>_queue_10k` and `<bench db>_queue_<size>` (e.g. `_queue_2m`); a database is built only when it
is missing or was not completely built for that size (a `bench_meta` row is written when a build ends),
and pending migrations are applied to a kept one (a new index is built on the rows already there). Each
size is measured in its own process. Without `--reuse`: one fresh `<bench db>_queue`, measured at 10 k and
again after loading the rest.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import migrate, report, setup_django  # noqa: E402
from _pg import DEFAULT_URL, fresh_database, skip_unless_postgres  # noqa: E402

QUEUE_ROWS = 300
SMALL = 10_000
CHUNK = 500_000

# 100 slots: the state of background row g is STATES[g % 100] (handling rows never go to 城管执法).
STATE_SLOTS = (
    ["closed"] * 86
    + ["handling"] * 3
    + ["pending_response"] * 2
    + ["pending_dispatch"] * 2
    + ["reported"] * 2
    + ["pending_check"] * 2
    + ["pending_callback"]
    + ["parked"]
    + ["not_filed"]
)
DISPATCHED = ("closed", "handling", "pending_response", "pending_check", "pending_callback", "parked")
STEP_OF = {
    "handling": "handle",
    "pending_response": "respond",
    "pending_dispatch": "dispatch",
    "reported": "verify",
    "pending_check": "check",
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=10_000_000, help="cases in the big table (default 10,000,000)"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=20,
        help="timed loads per size (default 20; 3 when one load takes over 5 s)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep one database per size between runs and build only what is missing",
    )
    parser.add_argument("--phase", choices=("small", "big"), help=argparse.SUPPRESS)  # --reuse's child runs
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args()


def prepare_lookup_tables(cursor) -> None:
    """Small helper tables the generator joins to: grids with their parents, the states by slot."""
    cursor.execute("""
        CREATE TABLE bench_grid AS
        SELECT (row_number() OVER (ORDER BY g.id)) - 1 AS n, g.id AS grid_id, g.code AS grid_code,
               c.id AS community_id, c.code AS community_code, s.id AS subdistrict_id, s.code AS subdistrict_code,
               d.id AS district_id, d.code AS district_code,
               (g.min_lon + g.max_lon) / 2 AS lon, (g.min_lat + g.max_lat) / 2 AS lat
        FROM geo_grid g JOIN geo_community c ON c.id = g.community_id
        JOIN geo_subdistrict s ON s.id = c.subdistrict_id JOIN geo_district d ON d.id = s.district_id
        JOIN geo_boundarygeneration gen ON gen.id = g.generation_id AND gen.is_active""")
    cursor.execute("CREATE UNIQUE INDEX ON bench_grid (n)")
    cursor.execute("CREATE TABLE bench_state (slot int PRIMARY KEY, state varchar(20), step varchar(16))")
    cursor.executemany(
        "INSERT INTO bench_state VALUES (%s, %s, %s)",
        [(i, s, STEP_OF.get(s, "")) for i, s in enumerate(STATE_SLOTS)],
    )


INSERT_CASES = """
INSERT INTO cases_case (number, source, state, suggestion, description, lon, lat, address, grid_code,
    community_code, subdistrict_code, district_code, street_code, routing, step, step_started_at, step_deadline,
    step_limit_unit, handle_started_at, handle_deadline, handle_limit_unit, reported_at, dispatched_at,
    closed_at, return_count, rework_count, reopen_count, extension_days, supervision_count, is_escalated,
    rating, rating_comment, version, reporter_name, reporter_phone, idempotency_key, idempotency_hash, external_ref,
    updated_at,
    category_id, community_id, district_id, grid_id, lead_department_id, subdistrict_id)
SELECT %(prefix)s || lpad(g::text, 11, '0'),
       (ARRAY['resident_web', 'hotline', 'inspector', 'patrol'])[1 + g %% 4],
       st.state, '[]'::jsonb, '批量生成的案件 ' || g, bg.lon, bg.lat, '', bg.grid_code, bg.community_code,
       bg.subdistrict_code, bg.district_code, '', '{}'::jsonb, st.step,
       CASE WHEN st.step <> '' THEN t.reported + interval '2 hours' END,
       CASE WHEN st.step <> '' THEN now() + ((g %% 97) - 20) * interval '1 hour' END,
       CASE WHEN st.step <> '' THEN 'working_days' ELSE '' END,
       CASE WHEN dep.id IS NOT NULL THEN t.reported + interval '1 hour' END,
       CASE WHEN dep.id IS NOT NULL THEN t.reported + interval '3 days' END,
       CASE WHEN dep.id IS NOT NULL THEN 'working_days' ELSE '' END,
       t.reported, CASE WHEN dep.id IS NOT NULL THEN t.reported + interval '1 hour' END,
       CASE WHEN st.state = 'closed' THEN t.reported + interval '2 days' END,
       0, 0, 0, 0, 0, false,
       CASE WHEN st.state = 'closed' THEN (ARRAY['satisfied', 'satisfied', 'satisfied', 'basic'])[1 + g %% 4]
            ELSE '' END, '', 1, '', '', '', '', '', t.reported,
       (%(categories)s::bigint[])[1 + (g * 31) %% %(n_categories)s::int],
       bg.community_id, bg.district_id, bg.grid_id, dep.id, bg.subdistrict_id
FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS g
JOIN bench_grid bg ON bg.n = (g * 7) %% %(n_grids)s::int
JOIN bench_state st ON st.slot = CASE WHEN %(queue)s THEN %(handling_slot)s::int ELSE g %% 100 END
CROSS JOIN LATERAL (SELECT now() - ((g * 7919) %% 1576800) * interval '1 minute'
                           - CASE WHEN %(queue)s THEN interval '0' ELSE interval '1 day' END AS reported) t
LEFT JOIN LATERAL (
    SELECT CASE WHEN %(queue)s THEN %(own)s::bigint
                WHEN st.state = 'handling' THEN (%(others)s::bigint[])[1 + g %% %(n_others)s::int]
                ELSE (%(all)s::bigint[])[1 + g %% %(n_all)s::int] END AS id
    WHERE st.state = ANY(%(dispatched)s)
) dep ON true
"""

INSERT_ASSIGNMENTS = """
INSERT INTO cases_caseassignment (is_lead, is_active, assigned_at, ended_at, returned, return_reason, case_id,
    department_id)
SELECT true, true, c.dispatched_at, c.closed_at, false, '', c.id, c.lead_department_id
FROM cases_case c WHERE c.id BETWEEN %(lo)s AND %(hi)s AND c.lead_department_id IS NOT NULL
"""


def insert_rows(cursor, start: int, stop: int, *, queue: bool, params: dict) -> None:
    cursor.execute("SELECT coalesce(max(id), 0) FROM cases_case")
    (before,) = cursor.fetchone()
    cursor.execute(
        INSERT_CASES,
        {**params, "start": start, "stop": stop, "queue": queue, "prefix": "Q" if queue else "B"},
    )
    cursor.execute("SELECT coalesce(max(id), 0) FROM cases_case")
    (after,) = cursor.fetchone()
    cursor.execute(INSERT_ASSIGNMENTS, {"lo": before + 1, "hi": after})


SECONDARY_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.tablename IN ('cases_case', 'cases_caseassignment') AND i.schemaname = 'public'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)
"""


def load(url: str, start: int, stop: int, *, queue: bool, params: dict) -> None:
    """Insert background rows [start, stop] in chunks, each its own transaction; FK triggers off for the load
    (every key is taken from the referenced tables themselves). A big load drops the secondary indexes and
    builds them again afterwards (the usual bulk-load practice; the same definitions, from pg_indexes)."""
    import psycopg

    big = stop - start > CHUNK
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = conn.execute(SECONDARY_INDEXES).fetchall() if big else []
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        begun = time.perf_counter()
        position = start
        while position <= stop:
            upper = min(position + CHUNK - 1, stop)
            with conn.transaction():
                insert_rows(conn.cursor(), position, upper, queue=queue, params=params)
            position = upper + 1
            if stop - start > CHUNK:
                done = position - start
                rate = done / (time.perf_counter() - begun)
                print(
                    f"  {done:,}/{stop - start + 1:,} rows, {rate:,.0f} rows/s, "
                    f"about {(stop - position + 1) / rate:,.0f} s left",
                    flush=True,
                )
        for number, (name, definition) in enumerate(indexes, start=1):
            conn.execute(definition)
            print(f"  index {number}/{len(indexes)} rebuilt: {name}", flush=True)
        conn.execute("VACUUM ANALYZE cases_case")
        conn.execute("VACUUM ANALYZE cases_caseassignment")


def measure(handler, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client

    from jingzhi.cases import queries

    client = Client()
    client.force_login(handler)

    def page():
        response = client.get("/cases/", {"queue": "handling"})
        assert response.status_code == 200, response.status_code
        return response

    def rows():
        qs = queries.queue_for(handler, "handling")[:25]
        return [
            {
                "id": c.pk,
                "number": c.number,
                "state": c.state,
                "category": c.category.name if c.category else "",
                "grid": c.grid.name if c.grid else "",
                "lead": c.lead_department.short_name if c.lead_department else "",
                "departments": [a.department.short_name for a in c.active_assignments],
                "light": c.sla().level,
                "deadline": c.step_deadline,
            }
            for c in qs
        ]

    out = {}
    for name, fn in (("page", page), ("rows", rows)):
        fn()  # warm-up
        captured = []

        def record(execute, sql, params, many, context, captured=captured):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                captured.append({"sql": sql, "time": time.perf_counter() - started})

        # A wrapper rather than CaptureQueriesContext: the test client's request_started resets the query log.
        with connection.execute_wrapper(record):
            result = fn()
        times = []
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        # A page that takes seconds says what it has to say in a few runs; keep a 10 M run bounded in time.
        runs = repeat if times[0] < 5000 else min(repeat, 3)
        for _ in range(runs - 1):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        out[name] = {
            "best": min(times),
            "median": statistics.median(times),
            "queries": len(captured),
            "db_ms": sum(q["time"] for q in captured) * 1000,
            "slowest": sorted(captured, key=lambda q: -q["time"])[:4],
        }
        if name == "rows":
            assert len(result) == 25, len(result)
    qs = queries.queue_for(handler, "handling")
    out["count"] = qs.count()
    out["explain"] = qs[:25].explain(analyze=True, buffers=True)
    return out


def show(label: str, result: dict) -> None:
    print(f"\n--- {label}: handler's 处置中 queue holds {result['count']} cases")
    for name in ("page", "rows"):
        r = result[name]
        print(
            f"{name}: best {r['best']:.1f} ms, median {r['median']:.1f} ms, {r['queries']} queries "
            f"taking {r['db_ms']:.1f} ms (one untimed-run sample)"
        )
        for q in r["slowest"]:
            print(f"    {float(q['time']) * 1000:.1f} ms  {q['sql'][:160]}")
    print("EXPLAIN ANALYZE of the queue's first page:")
    print("    " + result["explain"].replace("\n", "\n    "))


def size_name(total: int) -> str:
    return f"{total // 1_000_000}m" if total >= 1_000_000 else f"{total // 1000}k"


def kept_database(suffix: str, rows: int) -> tuple[str, bool]:
    """`--reuse`: the URL of `<bench db><suffix>` and whether it already holds a complete build of `rows`
    cases (else it is dropped and created empty)."""
    import psycopg

    base = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parts = urlsplit(base)
    name = (parts.path.lstrip("/") or "jingzhi_bench") + suffix
    url = urlunsplit(parts._replace(path=f"/{name}"))
    # Only a missing database or a missing `bench_meta` means "not built": any other error (a connection that
    # timed out on a loaded machine) is raised, never answered by dropping a database that took minutes.
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=60) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    built = None
    if exists:
        with psycopg.connect(url, autocommit=True, connect_timeout=60) as conn:
            try:
                built = conn.execute("SELECT rows FROM bench_meta").fetchone()
            except psycopg.errors.UndefinedTable:
                built = None
    if built and built[0] == rows:
        os.environ["DATABASE_URL"] = url
        return url, True
    return fresh_database(suffix), False


def build(url: str, total: int, repeat: int, *, measure_small: bool):
    """Migrate, load the demo district and the rows up to `total`; with `measure_small`, measure at 10 k on
    the way (the single-database run). Returns (handler, the 10 k measurement or None)."""
    from django.db import connection

    from jingzhi.accounts.models import Department, User
    from jingzhi.demo.build import build_demo
    from jingzhi.taxonomy.models import Category

    begun = time.perf_counter()
    migrate()
    build_demo(case_count=0)
    handler = User.objects.get(username="handler")
    own = Department.objects.get(code="110199-CGZF").pk
    all_departments = list(Department.objects.order_by("id").values_list("id", flat=True))
    # 城管执法 takes the largest share of dispatched cases, as in the demo's responsibility list.
    weighted = all_departments + [own] * 5
    others = [d for d in all_departments if d != own]
    categories = list(
        Category.objects.filter(children__isnull=True).order_by("id").values_list("id", flat=True)
    )
    with connection.cursor() as cursor:
        prepare_lookup_tables(cursor)
        cursor.execute("SELECT count(*) FROM bench_grid")
        (n_grids,) = cursor.fetchone()
    connection.close()
    params = {
        "categories": categories,
        "n_categories": len(categories),
        "n_grids": n_grids,
        "own": own,
        "others": others,
        "n_others": len(others),
        "all": weighted,
        "n_all": len(weighted),
        "dispatched": list(DISPATCHED),
        "handling_slot": STATE_SLOTS.index("handling"),
    }
    print(
        f"database {url.rsplit('/', 1)[-1]}: migrated and demo district loaded in {time.perf_counter() - begun:.1f}s"
    )

    load(url, 1, QUEUE_ROWS, queue=True, params=params)
    load(url, 1, SMALL - QUEUE_ROWS, queue=False, params=params)
    small = None
    if measure_small:
        small = measure(handler, repeat)
        show(f"{SMALL:,} cases", small)
    if total > SMALL:
        print(f"\nloading {total - SMALL:,} more rows…", flush=True)
        begun = time.perf_counter()
        load(url, SMALL - QUEUE_ROWS + 1, total - QUEUE_ROWS, queue=False, params=params)
        print(f"loaded in {time.perf_counter() - begun:.0f}s")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (rows bigint)")
        cursor.execute("DELETE FROM bench_meta")
        cursor.execute("INSERT INTO bench_meta VALUES (%s)", [total])
    connection.close()
    return handler, small


def phase(args) -> None:
    """`--reuse`'s child: one size in its own kept database; the result goes to `--out` as JSON."""
    total = SMALL if args.phase == "small" else max(args.rows, SMALL)
    url, built = kept_database(f"_queue_{size_name(total)}", total)
    setup_django()
    if built:
        print(
            f"database {url.rsplit('/', 1)[-1]}: kept ({total:,} cases); applying pending migrations",
            flush=True,
        )
        migrate()
        from jingzhi.accounts.models import User

        handler = User.objects.get(username="handler")
    else:
        handler, _small = build(url, total, args.repeat, measure_small=False)
    result = measure(handler, args.repeat)
    show(f"{total:,} cases", result)
    with open(args.out, "w") as fh:
        json.dump(
            {"count": result["count"], "page": result["page"]["median"], "rows": result["rows"]["median"]}, fh
        )


def main_reuse(args) -> None:
    total = max(args.rows, SMALL)
    results = {}
    for name in ("small", "big"):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--phase",
                    name,
                    "--out",
                    out.name,
                    "--rows",
                    str(total),
                    "--repeat",
                    str(args.repeat),
                ],
                check=True,
            )
            results[name] = json.loads(Path(out.name).read_text())
    small, big = results["small"], results["big"]
    assert big["count"] == small["count"] == QUEUE_ROWS, (small["count"], big["count"])
    size = size_name(total)
    report(
        f"queue_10k_vs_{size}",
        ours=big["page"],
        floor=small["page"],
        target=0.67,
        unit="ms",
        higher_is_better=False,
    )
    report(
        f"queue_page_rows_10k_vs_{size}",
        ours=big["rows"],
        floor=small["rows"],
        target=0.67,
        unit="ms",
        higher_is_better=False,
    )


def main() -> None:
    args = parse_args()
    skip_unless_postgres("queue")
    if args.phase:
        phase(args)
        return
    if args.reuse:
        main_reuse(args)
        return
    url = fresh_database("_queue")
    setup_django()
    total = max(args.rows, SMALL)
    handler, small = build(url, total, args.repeat, measure_small=True)
    big = measure(handler, args.repeat)
    show(f"{total:,} cases", big)
    assert big["count"] == small["count"] == QUEUE_ROWS, (small["count"], big["count"])

    size = size_name(total)
    report(
        f"queue_10k_vs_{size}",
        ours=big["page"]["median"],
        floor=small["page"]["median"],
        target=0.67,
        unit="ms",
        higher_is_better=False,
    )
    report(
        f"queue_page_rows_10k_vs_{size}",
        ours=big["rows"]["median"],
        floor=small["rows"]["median"],
        target=0.67,
        unit="ms",
        higher_is_better=False,
    )


if __name__ == "__main__":
    main()
