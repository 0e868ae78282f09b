"""The staff case list API's first page at 2 M cases against 20 k (PostgreSQL).

`GET /api/v1/cases/` for the demo district administrator (who sees every case: the widest scope, so the
largest count), through Django's test client, at 20,000 and at `--rows` cases (default 2,000,000). The
databases are `pages.py`'s (`<bench db>_pages_20k`, `<bench db>_pages_2m`: the demo district, the demo's
cases and background rows made in SQL), kept between runs and built when missing; each size is measured in
its own process.

Ratio = ms at 20 k / ms at 2 M (target 0.8). Also printed per size: the statements, the count the page
reports (capped: `count_capped`), what an exact COUNT(*) of the same rows costs, and the planning and
execution times of the page query (EXPLAIN ANALYZE's summary), since planning the many-join page query
once cost more than running it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import migrate, report, setup_django  # noqa: E402
from _pg import skip_unless_postgres  # noqa: E402

SMALL = 20_000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="cases in the big table (default 2 M)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per size (default 20)")
    parser.add_argument("--phase", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args()


def measure(repeat: int) -> dict:
    from django.db import connection
    from django.test import Client

    from jingzhi.accounts.models import User
    from jingzhi.cases import queries

    admin = User.objects.get(username="district_admin")
    client = Client()
    client.force_login(admin)
    for _ in range(2):
        body = client.get("/api/v1/cases/").json()
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        client.get("/api/v1/cases/")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get("/api/v1/cases/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    qs = queries.list_queryset(queries.cases_visible_to(admin)).order_by("-reported_at", "-id")
    started = time.perf_counter()
    exact = qs.count()
    exact_ms = (time.perf_counter() - started) * 1000
    plan = qs[:50].explain(analyze=True, summary=True)
    planning = next((line for line in plan.splitlines() if "Planning Time" in line), "").strip()
    execution = next((line for line in plan.splitlines() if "Execution Time" in line), "").strip()
    return {
        "median": statistics.median(times),
        "best": min(times),
        "statements": len(statements),
        "count": body["count"],
        "capped": body.get("count_capped"),
        "exact": exact,
        "exact_ms": exact_ms,
        "planning": planning,
        "execution": execution,
    }


def phase(args) -> None:
    import pages
    import queue_page

    total = args.phase
    url, built = queue_page.kept_database(f"_pages_{queue_page.size_name(total)}", total)
    if not built:
        pages.copy_base(url)
    setup_django()
    if built:
        migrate()
    else:
        pages.build(url, total)
    result = measure(args.repeat)
    print(
        f"{total:,} cases: first page median {result['median']:.1f} ms (best {result['best']:.1f}), "
        f"{result['statements']} statements; count {result['count']} (capped: {result['capped']}); "
        f"an exact COUNT(*) of {result['exact']:,} rows takes {result['exact_ms']:.1f} ms; "
        f"page query {result['planning']}, {result['execution']}",
        flush=True,
    )
    Path(args.out).write_text(json.dumps(result))


def main() -> None:
    args = parse_args()
    skip_unless_postgres("staff_list")
    if args.phase:
        phase(args)
        return
    import queue_page

    results = {}
    for total in (SMALL, max(args.rows, SMALL)):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--phase",
                    str(total),
                    "--out",
                    out.name,
                    "--repeat",
                    str(args.repeat),
                ],
                check=True,
            )
            results[total] = json.loads(Path(out.name).read_text())
    small, big = results[SMALL], results[max(args.rows, SMALL)]
    report(
        f"staff_list_20k_vs_{queue_page.size_name(max(args.rows, SMALL))}",
        ours=big["median"],
        floor=small["median"],
        target=0.8,
        unit="ms",
        higher_is_better=False,
    )


if __name__ == "__main__":
    main()
