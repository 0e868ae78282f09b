"""Importing 100,000 12345 hotline work orders from a spreadsheet against a raw COPY of the same rows
(PostgreSQL).

Data: a fresh database (`<bench db>_hotline`) with the demo district, people and taxonomy (no cases). The
file is an .xlsx of `--rows` orders (default 100,000): unique order numbers, points that lie inside the
district's grids (2,000 spots, checked with the locator), a leaf category code on every row, caller name and
phone. Several orders share a spot and a category, so the duplicate search finds real candidates.

- ours: `actions.do_import_hotline_orders` (the command's and the web page's path): read the sheet, check
  every row, locate, categorise, clock, look for duplicates, then write the cases, their timeline events,
  the sealed audit rows and the notice jobs in one transaction (wall time, file bytes in memory);
- floor: `COPY cases_case (…) FROM STDIN` of the same rows with their places and categories already
  known (what the database needs at the least to store the cases, without events or audit), in one
  transaction, rolled back.
Ratio = floor/ours in rows per second, target 0.05. Two runs of each (the second import uses other order
numbers and finds the first run's cases as possible duplicates), both printed; the bench line uses the best.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import migrate, report, setup_django  # noqa: E402
from _pg import fresh_database, skip_unless_postgres  # noqa: E402

SPOTS = 2000


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="orders in the file (default 100,000)")
    parser.add_argument("--runs", type=int, default=2, help="imports to time (default 2)")
    parser.add_argument("--profile", metavar="FILE", help="write a pyinstrument profile of the first import")
    return parser.parse_args()


def spots() -> list[tuple[float, float]]:
    """Points inside the district's grids: grid box centres the locator places in a grid."""
    from jingzhi.geo.locate import locate
    from jingzhi.geo.models import Grid

    out = []
    for g in Grid.objects.filter(generation__is_active=True).values(
        "min_lon", "max_lon", "min_lat", "max_lat"
    ):
        for fx, fy in ((0.5, 0.5), (0.3, 0.3), (0.7, 0.7), (0.3, 0.7), (0.7, 0.3)):
            lon = round(g["min_lon"] + (g["max_lon"] - g["min_lon"]) * fx, 6)
            lat = round(g["min_lat"] + (g["max_lat"] - g["min_lat"]) * fy, 6)
            if locate(lon, lat).inside:
                out.append((lon, lat))
            if len(out) >= SPOTS:
                return out
    return out


def make_rows(n: int, prefix: str, points, categories) -> list[tuple]:
    rows = []
    for i in range(n):
        lon, lat = points[(i * 7) % len(points)]
        kind, code = categories[(i * 31) % len(categories)]
        rows.append(
            (
                f"{prefix}{i:08d}",
                f"市民来电反映：第 {i} 号问题，请尽快处理",
                lon,
                lat,
                code,
                kind,
                f"来电人{i % 1000}",
                f"139{i:08d}",
            )
        )
    return rows


def xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("工单")
    sheet.append(["工单编号", "诉求内容", "经度", "纬度", "分类编码", "分类类型", "诉求人", "联系电话"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


COPY_COLUMNS = (
    "number, source, state, suggestion, description, lon, lat, address, grid_code, community_code, "
    "subdistrict_code, district_code, street_code, routing, step, step_started_at, step_deadline, "
    "step_limit_unit, handle_limit_unit, reported_at, return_count, rework_count, reopen_count, "
    "extension_days, supervision_count, is_escalated, rating, rating_comment, version, reporter_name, "
    "reporter_phone, idempotency_key, idempotency_hash, external_ref, updated_at, category_id, grid_id"
)


def copy_floor(rows, places: dict, category_ids: dict) -> float:
    """Seconds to COPY the rows into cases_case (rolled back)."""
    from django.db import connection, transaction

    from jingzhi.core import clock

    now = clock.now()
    begun = time.perf_counter()
    with transaction.atomic():
        raw = connection.connection
        with raw.cursor() as cursor, cursor.copy(f"COPY cases_case ({COPY_COLUMNS}) FROM STDIN") as copy:
            for i, (ref, text, lon, lat, code, kind, name, phone) in enumerate(rows):
                grid_id, grid_code = places[(lon, lat)]
                copy.write_row(
                    (
                        f"C{i:014d}",
                        "hotline",
                        "reported",
                        "[]",
                        text,
                        lon,
                        lat,
                        "",
                        grid_code,
                        grid_code[:12],
                        grid_code[:9],
                        grid_code[:6],
                        "",
                        "{}",
                        "verify",
                        now,
                        now,
                        "working_hours",
                        "",
                        now,
                        0,
                        0,
                        0,
                        0,
                        0,
                        False,
                        "",
                        "",
                        1,
                        name,
                        phone,
                        "",
                        "",
                        ref,
                        now,
                        category_ids[(kind, code)],
                        grid_id,
                    )
                )
        elapsed = time.perf_counter() - begun
        transaction.set_rollback(True)
    return elapsed


def main() -> None:
    args = parse_args()
    skip_unless_postgres("hotline_import")
    fresh_database("_hotline")
    # Production's setup: the notice jobs wait in the outbox for `jingzhi worker` (in the embedded profile
    # the importing process would send every notice itself before returning).
    os.environ["JINGZHI_JOBS_INLINE"] = "0"
    setup_django()
    from jingzhi.accounts.models import User
    from jingzhi.cases import actions
    from jingzhi.demo.build import build_demo
    from jingzhi.geo.locate import locate
    from jingzhi.taxonomy.models import Category

    migrate()
    build_demo(case_count=0, street_months=0)
    operator = User.objects.get(username="operator")
    leaves = list(
        Category.objects.filter(children__isnull=True, is_active=True)
        .order_by("id")
        .values_list("kind", "code", "id")
    )
    categories = [(kind, code) for kind, code, _id in leaves]
    category_ids = {(kind, code): pk for kind, code, pk in leaves}
    points = spots()
    places = {}
    for lon, lat in points:
        where = locate(lon, lat)
        places[(lon, lat)] = (where.grid["id"], where.grid["code"])
    print(f"{len(points)} spots inside grids, {len(categories)} leaf categories", flush=True)

    ours, floors = [], []
    for run in range(1, args.runs + 1):
        rows = make_rows(args.rows, f"R{run}H", points, categories)
        data = xlsx(rows)
        print(f"run {run}: file of {len(rows):,} rows, {len(data) / 1e6:.1f} MB", flush=True)
        floors.append(copy_floor(rows, places, category_ids))
        begun = time.perf_counter()
        stages = {}

        def progress(stage, done, total, stages=stages, begun=begun):
            stages[stage] = time.perf_counter() - begun

        profiler = None
        if args.profile and run == 1:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.005)
            profiler.start()
        counts = actions.do_import_hotline_orders(actor=operator, file=io.BytesIO(data), progress=progress)
        elapsed = time.perf_counter() - begun
        if profiler is not None:
            profiler.stop()
            Path(args.profile).write_text(profiler.output_text(unicode=True, show_all=False))
        ours.append(elapsed)
        assert counts["created"] == args.rows, counts
        print(
            f"run {run}: import {elapsed:.1f} s (read+check {stages.get('check', 0):.1f} s, write "
            f"{elapsed - stages.get('check', 0):.1f} s) = {args.rows / elapsed:,.0f} rows/s; "
            f"COPY {floors[-1]:.2f} s = {args.rows / floors[-1]:,.0f} rows/s",
            flush=True,
        )
    size = f"{args.rows // 1000}k"
    report(
        f"hotline_import_{size}",
        ours=args.rows / min(ours),
        floor=args.rows / min(floors),
        target=0.05,
        unit="rows/s",
    )


if __name__ == "__main__":
    main()
