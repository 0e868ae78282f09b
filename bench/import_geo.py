"""Importing 10,000 grids from GeoJSON: features per second with and without validation.

Each run starts a throw-away SQLite database (its own JINGZHI_VAR, migrated; set DATABASE_URL to measure
PostgreSQL instead), writes a 100 × 100 grid file of ~100 m cells in 100 communities, and times
read + `do_import_places` into a fresh draft generation (validation on: validity, overlaps, gaps; off: only
structure and codes). The floor is the raw database work for the same rows: one executemany INSERT of the
prepared values (code, name, geometry JSON, bbox, area, parent id), in one transaction, in the same run.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import migrate, report, setup_django  # noqa: E402

setup_django()
migrate()

from django.db import connection, transaction  # noqa: E402

from jingzhi.geo import actions, readers  # noqa: E402
from jingzhi.geo.models import Grid  # noqa: E402

LON0, LAT0 = 116.37, 39.91
DLON, DLAT = 0.00117, 0.0009
SIDE = 100
DISTRICT, SUB = "110199", "110199001"


def box(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def feature(code, name, geom):
    return {"type": "Feature", "properties": {"code": code, "name": name}, "geometry": geom}


def community_code(row, col):
    return f"{SUB}{(row // 10) * 10 + col // 10 + 1:03d}"


def grid_file(path: Path) -> int:
    features = []
    seq: dict[str, int] = {}
    for row in range(SIDE):
        for col in range(SIDE):
            com = community_code(row, col)
            seq[com] = seq.get(com, 0) + 1
            geom = box(LON0 + col * DLON, LAT0 + row * DLAT, LON0 + (col + 1) * DLON, LAT0 + (row + 1) * DLAT)
            features.append(feature(f"{com}{seq[com]:03d}", f"网格{row}-{col}", geom))
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return len(features)


def parents(gen):
    whole = box(LON0, LAT0, LON0 + SIDE * DLON, LAT0 + SIDE * DLAT)
    actions.do_import_places(
        actor=None, level="district", generation=gen, features=[feature(DISTRICT, "区", whole)]
    )
    actions.do_import_places(
        actor=None, level="subdistrict", generation=gen, features=[feature(SUB, "街道", whole)]
    )
    communities = []
    for r in range(0, SIDE, 10):
        for c in range(0, SIDE, 10):
            communities.append(
                feature(
                    community_code(r, c),
                    f"社区{r}-{c}",
                    box(LON0 + c * DLON, LAT0 + r * DLAT, LON0 + (c + 10) * DLON, LAT0 + (r + 10) * DLAT),
                )
            )
    actions.do_import_places(actor=None, level="community", generation=gen, features=communities)


def ours(path: Path, *, validate: bool) -> float:
    gen = actions.do_create_generation(actor=None, description="bench", copy_active=False)
    parents(gen)
    started = time.perf_counter()
    result = readers.read_file(path)
    report_ = actions.do_import_places(
        actor=None, level="grid", features=result.features, generation=gen, validate=validate
    )
    elapsed = time.perf_counter() - started
    assert report_.created == SIDE * SIDE, report_
    return elapsed


def floor(path: Path) -> float:
    """Raw executemany of the same rows (values prepared outside the timing, as a bulk loader would)."""
    gen = actions.do_create_generation(actor=None, description="bench-floor", copy_active=False)
    parents(gen)
    from jingzhi.geo.models import Community

    community_ids = dict(Community.objects.filter(generation=gen).values_list("code", "id"))
    doc = json.loads(path.read_text())
    rows = []
    for f in doc["features"]:
        ring = f["geometry"]["coordinates"][0]
        xs = [p[0] for p in ring]
        ys = [p[1] for p in ring]
        code = f["properties"]["code"]
        rows.append(
            (
                gen.pk,
                code,
                f["properties"]["name"],
                json.dumps(f["geometry"]),
                min(xs),
                min(ys),
                max(xs),
                max(ys),
                10000.0,
                community_ids[code[:12]],
            )
        )
    table = Grid._meta.db_table
    sql = (
        f"INSERT INTO {table} (generation_id, code, name, geometry, min_lon, min_lat, max_lon, max_lat, "
        f"area_m2, community_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "grids.geojson"
        n = grid_file(path)
        print(f"{n} grids, {path.stat().st_size / 1e6:.1f} MB GeoJSON, database: {connection.vendor}")
        raw = min(floor(path) for _ in range(3))
        with_validation = min(ours(path, validate=True) for _ in range(2))
        without = min(ours(path, validate=False) for _ in range(2))
        report(
            "import_geo_validated", ours=n / with_validation, floor=n / raw, target=0.05, unit="features/s"
        )
        report("import_geo_unvalidated", ours=n / without, floor=n / raw, target=0.05, unit="features/s")


if __name__ == "__main__":
    main()
