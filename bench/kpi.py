"""考核 snapshots on PostgreSQL: filling a month against a raw SQL floor, and the ranking page's time with a
small year of cases against a large one.

Data: a fresh database (`<bench db>_kpi`), 60 departments and cases made FAST with SQL (`INSERT … SELECT
generate_series`) over 343 subdistricts (Beijing's count), 20 communities each, grids and streets under
them: 80 % closed (rated 满意/基本满意/不满意/unrated), the rest handling, waiting, parked, under check, voided,
merged or not filed; some responded late, some handled late (超时倍数), some returned, reworked, extended.

- `kpi_fill_month`: `assessment.actions.do_fill_month` for one month of `--rows` cases (default 2.5 M,
  Beijing's monthly volume) — compute every figure of every unit kind, score, rank and write the snapshot
  in one transaction, each run starting from an empty month (a re-fill of an unchanged month, which
  writes nothing, is printed beside it) — against the floor (`_kpi_floor.py`): hand-written SQL, one
  `GROUP BY` per source, period field and unit kind for EVERY source and unit kind the fill covers (cases,
  whistle summonses, the person units of the case timeline, councils, projects, rectification, spaces,
  coverage), with a filtered `COUNT` per rate and count and a filtered `SUM`/`MAX`/`COUNT` of the measure
  per mean and max, only for the indicators that apply to the kind — the same figures, writing nothing.
  After timing, the floor's figures are compared with the snapshot's, every one (the line before the bench
  line prints how many differ: 0). Ratio floor/ours (target 0.5).
- `ranking_page_250k_vs_25m`: the server time of `/assessment/?month=…&kind=subdistrict` (Django test client,
  district admin) with a year of `--small-year` cases (default 250 k) and again after loading the rest of
  `--large-year` (default 25 M), each time after filling the month shown. Ratio = ms small / ms large
  (target 0.8): the page reads snapshots, never the case table.

The defaults take long on a small machine (25 M rows); `--rows`, `--small-year` and `--large-year` scale the
run, and the line names the sizes measured. `--fill-only` stops after the fill; `--profile` profiles one fill
from empty and one re-fill (pyinstrument) instead of timing; `--profile-page` prints the ranking page's SQL
statements with their times and a profile of one request at the small year.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _kpi_floor  # noqa: E402
from _common import migrate, report, setup_django  # noqa: E402
from _pg import fresh_database, skip_unless_postgres  # noqa: E402

MONTH = "2026-11"
SUBDISTRICTS = 343
DEPARTMENTS = 60
CHUNK = 1_000_000

# 100 slots: the state of row g is STATES[g % 100].
STATES = (
    ["closed"] * 80
    + ["handling"] * 5
    + ["pending_response"] * 3
    + ["parked"] * 2
    + ["pending_check"] * 3
    + ["pending_callback"] * 2
    + ["void"] * 2
    + ["merged"]
    + ["not_filed"] * 2
)


def _size(text: str) -> str:
    n = int(text)
    return f"{n // 1_000_000}m" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def load_departments(cursor) -> None:
    cursor.execute(
        """
        INSERT INTO accounts_department (code, name, short_name, district_code, is_fallback, phone, is_active)
        SELECT 'D' || lpad(d::text, 3, '0'), '部门' || d, '', '110101', false, '', true
        FROM generate_series(1, %s) AS d
        """,
        [DEPARTMENTS],
    )


def load_cases(cursor, first: int, last: int, start: str, days: int) -> None:
    """Cases first..last, reported evenly over `days` days from `start` (local midnight)."""
    states = "ARRAY[" + ",".join(f"'{s}'" for s in STATES) + "]"
    for low in range(first, last + 1, CHUNK):
        high = min(last, low + CHUNK - 1)
        cursor.execute(
            f"""
            WITH g AS (
              SELECT n,
                     ({states})[(n %% 100) + 1] AS state,
                     n %% {SUBDISTRICTS} AS s,
                     %(start)s::timestamptz + ((n::bigint * 7919) %% (%(days)s * 86400)) * interval '1 second' AS t
              FROM generate_series(%(low)s, %(high)s) AS n
            ), d AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_department)
            INSERT INTO cases_case (
              number, source, state, suggestion, description, address, grid_code, community_code,
              subdistrict_code, district_code, street_code, routing, step, step_limit_unit,
              handle_limit_unit, reported_at, dispatched_at, response_deadline, responded_at,
              handle_started_at, handle_deadline, handled_at, closed_at, first_overdue_at,
              lead_department_id, return_count, rework_count, reopen_count, extension_days,
              supervision_count, is_escalated, rating, rating_comment, version, reporter_name,
              reporter_phone, idempotency_key, external_ref, updated_at, idempotency_hash)
            SELECT
              'B' || n, 'hotline', state, '[]', '', '',
              sub || lpad((n %% 20)::text, 3, '0') || lpad((n %% 50)::text, 3, '0'),
              sub || lpad((n %% 20)::text, 3, '0'),
              sub, left(sub, 6), sub || 'S' || lpad((n %% 30)::text, 3, '0'), '{{}}', '', '', '',
              t,
              CASE WHEN dispatched THEN t + interval '1 hour' END,
              CASE WHEN dispatched THEN t + interval '3 hours' END,
              CASE WHEN dispatched AND state <> 'pending_response' THEN t + interval '1 hour' + (n %% 7) * interval '30 minutes' END,
              CASE WHEN dispatched AND state <> 'pending_response' THEN t + interval '2 hours' END,
              CASE WHEN dispatched THEN t + interval '3 days' END,
              CASE WHEN handled THEN t + interval '2 hours' + (n %% 5) * interval '1 day' END,
              CASE WHEN state = 'closed' THEN t + interval '5 days' END,
              CASE WHEN handled AND n %% 5 >= 4 THEN t + interval '3 days' END,
              CASE WHEN dispatched THEN d.ids[(n %% {DEPARTMENTS}) + 1] END,
              (n %% 31 = 0)::int, (handled AND n %% 23 = 0)::int, 0, CASE WHEN n %% 37 = 0 THEN 2 ELSE 0 END,
              0, false,
              CASE WHEN state = 'closed' THEN (ARRAY['satisfied','satisfied','satisfied','satisfied','satisfied',
                   'satisfied','basic','basic','dissatisfied',''])[(n %% 10) + 1] ELSE '' END,
              '', 1, '', '', '', '', t, ''
            FROM (
              SELECT n, state, t,
                     '1101' || lpad((s %% 16)::text, 2, '0') || lpad((s / 16)::text, 3, '0') AS sub,
                     state NOT IN ('void', 'merged', 'not_filed') AS dispatched,
                     state IN ('closed', 'pending_check', 'pending_callback') AS handled
              FROM g
            ) AS rows, d
            """,
            {"start": start, "days": days, "low": low, "high": high},
        )
        print(f"  cases {high:,} / {last:,}", flush=True)


def month_bounds(month: str):
    from datetime import datetime
    from datetime import time as dtime

    from django.utils import timezone

    from jingzhi.assessment import rules

    first, after = rules.month_bounds(month)
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(first, dtime.min), zone),
        timezone.make_aware(datetime.combine(after, dtime.min), zone),
    )


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def page_ms(client, repeat: int) -> float:
    client.get(f"/assessment/?month={MONTH}&kind=subdistrict")  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(f"/assessment/?month={MONTH}&kind=subdistrict")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times) * 1000


def profile_fill(figure_model, score_model, actions) -> None:
    """Where a fill's time goes: one fill of an empty month and one re-fill of it, each profiled."""
    from django.db import connection
    from pyinstrument import Profiler

    for label in ("from empty", "re-fill unchanged"):
        if label == "from empty":
            figure_model.objects.filter(month=MONTH).delete()
            score_model.objects.filter(month=MONTH).delete()
        profiler = Profiler(interval=0.005)
        started = time.perf_counter()
        with profiler:
            connection.queries_log.clear()
            actions.do_fill_month(MONTH, actor=None, trigger="bench")
        print(f"---- fill {label}: {time.perf_counter() - started:.2f} s")
        print(profiler.output_text(unicode=True, color=False, show_all=False))


def profile_page(client) -> None:
    """Where the ranking page's time goes: its SQL statements with their times, and a profile."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    url = f"/assessment/?month={MONTH}&kind=subdistrict"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        client.get(url)
        took = time.perf_counter() - started
    print(f"---- page {took * 1000:.1f} ms, {len(captured)} statements")
    for query in captured.captured_queries:
        print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:160]}")
    profiler = Profiler(interval=0.001)
    with profiler:
        client.get(url)
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_500_000, help="cases in the filled month")
    parser.add_argument("--small-year", type=int, default=250_000)
    parser.add_argument("--large-year", type=int, default=25_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile one fill from empty and one re-fill (pyinstrument), then stop",
    )
    parser.add_argument(
        "--profile-page", action="store_true", help="profile the ranking page at the small year, then stop"
    )
    parser.add_argument(
        "--fill-only", action="store_true", help="measure the fill only, not the ranking page"
    )
    args = parser.parse_args()
    skip_unless_postgres("kpi")
    fresh_database("_kpi")
    setup_django()
    migrate()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from jingzhi.assessment import actions

    setup_test_environment()
    start, end = month_bounds(MONTH)
    with connection.cursor() as cursor:
        load_departments(cursor)
        print(f"loading {args.rows:,} cases into {MONTH}…", flush=True)
        load_cases(cursor, 1, args.rows, start.isoformat(), 30)
        cursor.execute("VACUUM ANALYZE cases_case")

    # ---- fill one month against the raw SQL floor. Each timed fill starts from an empty month (its
    # snapshot rows removed first, untimed), so every run computes and writes every row; a re-fill of an
    # unchanged month (what the job mostly does) writes nothing and is reported beside it.
    from jingzhi.assessment.models import Figure, Score

    if args.profile:
        profile_fill(Figure, Score, actions)
        return
    if not args.profile_page:
        measure_fill(args, actions, Figure, Score, start, end)
    if args.fill_only:
        return
    ranking_page(args, actions)


def measure_fill(args, actions, Figure, Score, start, end) -> None:  # noqa: N803 - the models
    from django.db import connection

    ours = []
    for _ in range(args.repeat):
        Figure.objects.filter(month=MONTH).delete()
        Score.objects.filter(month=MONTH).delete()
        ours += timed(lambda: actions.do_fill_month(MONTH, actor=None, trigger="bench"), 1)
    refill = timed(lambda: actions.do_fill_month(MONTH, actor=None, trigger="bench"), 1)
    queries = _kpi_floor.build_queries(MONTH, _kpi_floor.floor_plan())
    results: list = []
    with connection.cursor() as cursor:
        floor = timed(lambda: results.append(_kpi_floor.run(cursor, queries)), args.repeat)
    checked, wrong = _kpi_floor.check(MONTH, queries, results[-1])
    figures = Figure.objects.filter(month=MONTH).count()
    print(
        f"fill {MONTH}: ours {min(ours):.2f} s (runs {', '.join(f'{t:.2f}' for t in ours)}; "
        f"{figures:,} figures), re-fill unchanged {refill[0]:.2f} s, floor {min(floor):.2f} s "
        f"({len(queries)} GROUP BYs; {checked:,} figures, {wrong} differ from the snapshot)"
    )
    report(
        f"kpi_fill_month_{_size(args.rows)}",
        ours=min(ours),
        floor=min(floor),
        target=0.5,
        unit="s",
        higher_is_better=False,
    )


def ranking_page(args, actions) -> None:
    """The ranking page with a small and a large year (a fresh table for the year)."""
    from django.db import connection
    from django.test import Client

    from jingzhi.accounts.actions import do_assign_role, do_create_user

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_case CASCADE")
        year_start = month_bounds("2025-12")[0].isoformat()
        print(f"loading a year of {args.small_year:,} cases…", flush=True)
        load_cases(cursor, 1, args.small_year, year_start, 365)
        cursor.execute("VACUUM ANALYZE cases_case")
    admin = do_create_user(
        actor=None, username="bench_admin", password="x-bench-secret-1", display_name="区管理员"
    )
    for district in range(16):  # the 16 districts the subdistricts are spread over: every unit is listed
        do_assign_role(
            actor=None,
            user=admin,
            role="district_admin",
            scope_kind="district",
            scope_code=f"1101{district:02d}",
        )
    client = Client()
    client.force_login(admin)
    actions.do_fill_month(MONTH, actor=None, trigger="bench")
    if args.profile_page:
        profile_page(client)
        return
    small = page_ms(client, args.repeat)
    with connection.cursor() as cursor:
        print(f"loading the rest of {args.large_year:,} cases…", flush=True)
        load_cases(cursor, args.small_year + 1, args.large_year, year_start, 365)
        cursor.execute("VACUUM ANALYZE cases_case")
    actions.do_fill_month(MONTH, actor=None, trigger="bench")
    large = page_ms(client, args.repeat)
    print(f"ranking page: {small:.1f} ms at {args.small_year:,}, {large:.1f} ms at {args.large_year:,}")
    report(
        f"ranking_page_{_size(args.small_year)}_vs_{_size(args.large_year)}",
        ours=large,
        floor=small,
        target=0.8,
        unit="ms",
        higher_is_better=False,
    )


if __name__ == "__main__":
    main()
