"""Page speed at scale: a staff page's server time against the time of its own SQL (PostgreSQL).

Three pages, each through Django's test client in one process, at `--rows` cases in the table (default
1,000,000, what `make bench` runs; the issue names 10 M — `--rows 10000000 --reuse`):
- `workbench_page_<size>`: the handler's workbench `/cases/?queue=handling` (tab counts, a page of 25 rows,
  the map points);
- `case_page_<size>`: the handler's page of one case with a real timeline (a demo case, made through the
  actions, dispatched to the handler's department);
- `my_reports_<size>`: the demo resident's "我的上报".

floor = the summed time of the page's own SQL statements in the same request (every statement timed by a
connection wrapper), ours = the request's whole server time; ratio = floor/ours, target 0.5: Python and
templates take no longer than the database. Each figure is the median over `--repeat` loads of the per-load
ratio's parts (the floor and ours of the same load). The statement count per page is printed too (tests
assert it; this script does not).

Data: the demo district, people and `DEMO_CASES` demo cases made through the actions (timelines, the
resident's reports) in a base database `<bench db>_pages_base`, built once (about 3 minutes) and kept; each
size is a copy of it (`CREATE DATABASE … TEMPLATE`) into which the background rows are loaded set-based
by `queue_page.py`'s generator (`INSERT … SELECT generate_series` in chunks of 500 k, foreign-key triggers
off, the secondary indexes dropped before a big load and rebuilt after it, then VACUUM ANALYZE). 10 M rows
load in about 14 minutes on the shared 2-core machine (6 minutes of rows, 8 of rebuilding 22 indexes).
`--reuse` keeps the loaded database (`<bench db>_pages_<size>`, e.g. `jzb_pages_pages_10m`) between runs
and builds it only when missing or incomplete (`bench_meta`), applying pending migrations to a kept one;
without it the size's database is loaded afresh from the base. `--profile PAGE` prints a pyinstrument
profile of one page instead of measuring.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import migrate, report, setup_django  # noqa: E402
from _pg import skip_unless_postgres  # noqa: E402

DEMO_CASES = 300  # the demo's own plan (a smaller one may leave its duplicates without a target)
PAGES = ("workbench", "case", "my_reports")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="cases in the table (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=15, help="timed loads per page (default 15)")
    parser.add_argument("--profile", choices=PAGES, help="print a pyinstrument profile of one page")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the loaded database of this size between runs (built only when missing or incomplete)",
    )
    parser.add_argument("--build-base", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


BASE = "_pages_base"


def build_base() -> None:
    """`<bench db>_pages_base`: the demo district, people and demo cases and the generator's lookup
    tables, built once (the demo's cases go through the actions and take minutes); each size is a copy of
    it (CREATE DATABASE … TEMPLATE) with the background rows loaded. Runs in a process of its own."""
    import queue_page

    url = queue_page.fresh_database(BASE)
    setup_django()
    from django.db import connection

    from jingzhi.demo.build import build_demo

    begun = time.perf_counter()
    migrate()
    build_demo(case_count=DEMO_CASES, street_months=0)
    with connection.cursor() as cursor:
        queue_page.prepare_lookup_tables(cursor)
        cursor.execute("CREATE TABLE bench_meta (rows bigint)")
        cursor.execute("INSERT INTO bench_meta VALUES (-1)")
    connection.close()
    print(
        f"{url.rsplit('/', 1)[-1]}: demo district and cases in {time.perf_counter() - begun:.0f}s", flush=True
    )


def copy_base(url: str) -> None:
    """Make `url`'s database a copy of the base (built first when missing)."""
    import subprocess
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    base = name.rsplit("_pages_", 1)[0] + BASE
    admin = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(urlunsplit(parts._replace(path=f"/{base}")), connect_timeout=5) as conn:
            ready = conn.execute("SELECT rows FROM bench_meta").fetchone() == (-1,)
    except psycopg.Error:
        ready = False
    if not ready:
        # The child names its database `<bench db>_pages_base` from the bench URL, not from this size's.
        bench_url = urlunsplit(parts._replace(path="/" + name.rsplit("_pages_", 1)[0]))
        env = {**os.environ, "DATABASE_URL": bench_url}
        subprocess.run([sys.executable, __file__, "--build-base"], check=True, env=env)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')


def build(url: str, total: int) -> None:
    """Load background rows into a copy of the base until the table holds `total` cases."""
    import queue_page
    from django.db import connection

    from jingzhi.accounts.models import Department
    from jingzhi.taxonomy.models import Category

    begun = time.perf_counter()
    migrate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        (demo,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM bench_grid")
        (n_grids,) = cursor.fetchone()
    own = Department.objects.get(code="110199-CGZF").pk
    all_departments = list(Department.objects.order_by("id").values_list("id", flat=True))
    weighted = all_departments + [own] * 5
    others = [d for d in all_departments if d != own]
    categories = list(
        Category.objects.filter(children__isnull=True).order_by("id").values_list("id", flat=True)
    )
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
        "dispatched": list(queue_page.DISPATCHED),
        "handling_slot": queue_page.STATE_SLOTS.index("handling"),
    }
    queue_page.load(url, 1, queue_page.QUEUE_ROWS, queue=True, params=params)
    queue_page.load(url, 1, total - queue_page.QUEUE_ROWS - demo, queue=False, params=params)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM bench_meta")
        cursor.execute("INSERT INTO bench_meta VALUES (%s)", [total])
    connection.close()
    print(f"built {total:,} cases in {time.perf_counter() - begun:.0f}s", flush=True)


def targets():
    """(user, url) per page."""
    from jingzhi.accounts.models import User
    from jingzhi.cases.models import Case

    handler = User.objects.get(username="handler")
    resident = User.objects.get(username="resident")
    case = (
        Case.objects.filter(assignments__department__code="110199-CGZF", events__isnull=False)
        .exclude(number__startswith="Q")
        .exclude(number__startswith="B")
        .order_by("-id")
        .first()
    )
    assert case is not None, "no demo case dispatched to the handler's department"
    return {
        "workbench": (handler, "/cases/?queue=handling"),
        "case": (handler, f"/cases/{case.number}/"),
        "my_reports": (resident, "/my/reports/"),
    }


def measure(user, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    spent: list[float] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - started)

    # The session and user lookups of the login are part of the page: the wrapper sees them too.
    for _ in range(2):  # warm-up
        assert client.get(url).status_code == 200
    loads = []
    with connection.execute_wrapper(record):
        for _ in range(repeat):
            spent.clear()
            started = time.perf_counter()
            response = client.get(url)
            total = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            loads.append((total * 1000, sum(spent) * 1000, len(spent)))
    return {
        "ours": statistics.median(t for t, _, _ in loads),
        "floor": statistics.median(d for _, d, _ in loads),
        "ratio": statistics.median(d / t for t, d, _ in loads),
        "queries": loads[-1][2],
    }


def profile(user, url: str) -> None:
    from django.test import Client
    from pyinstrument import Profiler

    client = Client()
    client.force_login(user)
    client.get(url)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(10):
        client.get(url)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    args = parse_args()
    skip_unless_postgres("pages")
    if args.build_base:
        build_base()
        return
    import queue_page

    total = max(args.rows, queue_page.SMALL)
    size = queue_page.size_name(total)
    if args.reuse:
        url, built = queue_page.kept_database(f"_pages_{size}", total)
    else:
        url, built = queue_page.fresh_database(f"_pages_{size}"), False
    if not built:
        copy_base(url)
    setup_django()
    if built:
        print(f"database {url.rsplit('/', 1)[-1]}: kept ({total:,} cases)", flush=True)
        migrate()
    else:
        build(url, total)
    pages = targets()
    if args.profile:
        profile(*pages[args.profile])
        return
    for name in PAGES:
        user, path = pages[name]
        r = measure(user, path, args.repeat)
        print(
            f"{name} {path}: {r['queries']} statements; page {r['ours']:.1f} ms, "
            f"its SQL {r['floor']:.1f} ms (medians)",
            flush=True,
        )
        page = {"workbench": "workbench_page", "case": "case_page", "my_reports": "my_reports"}[name]
        # ours/floor reported as medians; the ratio is the median per-load ratio (floor and ours of one load).
        report(
            f"{page}_{size}",
            ours=r["ours"],
            floor=r["ours"] * r["ratio"],
            target=0.5,
            unit="ms",
            higher_is_better=False,
        )


if __name__ == "__main__":
    main()
