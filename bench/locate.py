"""locate(): our batch and single-point lookups against raw shapely STRtree queries on the same data.

Data: 10,000 grids (100 × 100 cells of ~100 m) and 200 streets around 116.37°E 39.91°N; 1,000,000 random
points over the grids' extent plus a margin (so some fall outside). The index is built in memory from the
features (no database) with the same `LocateIndex` class `locate` uses, and installed as the active index,
so "ours" runs through the public `locate_many` / `locate` functions.

Floors do the same work with raw shapely: a point array, `STRtree.query(points, predicate="intersects")` on
the grids and `query_nearest(..., max_distance)` on the streets. A second pair of lines compares an index
without streets against the grid query alone.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of, report, setup_django  # noqa: E402

setup_django()

import numpy as np  # noqa: E402
import shapely  # noqa: E402

from jingzhi.geo import locate  # noqa: E402
from jingzhi.geo.locate import GridEntry, LocateIndex, StreetEntry  # noqa: E402

LON0, LAT0 = 116.37, 39.91
DLON, DLAT = 0.00117, 0.0009
N_SIDE = 100
N_POINTS = 1_000_000
N_SINGLE = 20_000
SNAP_M = 50.0


def build_features():
    grids = []
    district = {"id": 1, "code": "110199", "name": "演示区"}
    for row in range(N_SIDE):
        for col in range(N_SIDE):
            community_no = (row // 10) * 10 + col // 10 + 1
            sub_no = community_no // 25 + 1
            sub = {"id": sub_no, "code": f"110199{sub_no:03d}", "name": f"街道{sub_no}"}
            com = {
                "id": community_no,
                "code": f"{sub['code']}{community_no:03d}",
                "name": f"社区{community_no}",
            }
            n = row * N_SIDE + col
            shape = shapely.box(
                LON0 + col * DLON, LAT0 + row * DLAT, LON0 + (col + 1) * DLON, LAT0 + (row + 1) * DLAT
            )
            grids.append(
                GridEntry(
                    shape,
                    {"id": n + 1, "code": f"{com['code']}{n % 1000:03d}", "name": f"网格{n}"},
                    com,
                    sub,
                    district,
                )
            )
    streets = []
    rng = np.random.default_rng(7)
    for i in range(200):
        row, col = rng.integers(0, N_SIDE, 2)
        x, y = LON0 + col * DLON, LAT0 + row * DLAT
        line = (
            shapely.LineString([(x, y), (x + 5 * DLON, y)])
            if i % 2
            else shapely.LineString([(x, y), (x, y + 5 * DLAT)])
        )
        streets.append(
            StreetEntry(
                line, {"id": i + 1, "code": f"110199001S{i:03d}", "name": f"街巷{i}", "kind": "alley"}
            )
        )
    return grids, streets


def install(index: LocateIndex) -> None:
    # Installed as the active generation's index; never re-checked against the database during the bench.
    locate._current = ((index.generation_id, None, None), index, time.monotonic(), 1e9)


def main() -> None:
    grids, streets = build_features()
    rng = np.random.default_rng(42)
    w, h = N_SIDE * DLON, N_SIDE * DLAT
    lons = rng.uniform(LON0 - 0.02 * w, LON0 + 1.02 * w, N_POINTS)
    lats = rng.uniform(LAT0 - 0.02 * h, LAT0 + 1.02 * h, N_POINTS)
    points = np.column_stack([lons, lats])

    started = time.perf_counter()
    index = LocateIndex(grids, streets, generation_id=1, snap_m=SNAP_M)
    print(f"index build: {len(grids)} grids, {len(streets)} streets in {time.perf_counter() - started:.2f}s")
    plain_index = LocateIndex(grids, [], generation_id=2, snap_m=SNAP_M)

    grid_tree = shapely.STRtree(np.array([g.shape for g in grids], dtype=object))
    street_tree = shapely.STRtree(np.array([s.shape for s in streets], dtype=object))
    snap_deg = SNAP_M / 111_195.0

    def raw_batch():
        pts = shapely.points(lons, lats)
        grid_tree.query(pts, predicate="intersects")
        street_tree.query_nearest(pts, max_distance=snap_deg, return_distance=True, all_matches=False)

    def raw_grid_only():
        grid_tree.query(shapely.points(lons, lats), predicate="intersects")

    install(index)
    found = locate.locate_many(points)
    inside = sum(1 for f in found if f.inside)
    with_street = sum(1 for f in found if f.street)
    print(f"{N_POINTS} points: {inside} inside a grid, {with_street} with a street within {SNAP_M:g} m")
    del found
    ours = best_of(lambda: locate.locate_many(points), 5)
    floor = best_of(raw_batch, 5)
    report("locate_batch", ours=N_POINTS / ours, floor=N_POINTS / floor, target=0.70, unit="points/s")

    install(plain_index)
    ours_plain = best_of(lambda: locate.locate_many(points), 5)
    floor_plain = best_of(raw_grid_only, 5)
    report(
        "locate_batch_grids_only",
        ours=N_POINTS / ours_plain,
        floor=N_POINTS / floor_plain,
        target=0.70,
        unit="points/s",
    )

    sample = [(float(a), float(b)) for a, b in points[:N_SINGLE]]

    def ours_single():
        for lon, lat in sample:
            locate.locate(lon, lat)

    def raw_single():
        for lon, lat in sample:
            p = shapely.Point(lon, lat)
            grid_tree.query(p, predicate="intersects")
            street_tree.query_nearest(p, max_distance=snap_deg, return_distance=True)

    def raw_single_grid():
        for lon, lat in sample:
            grid_tree.query(shapely.Point(lon, lat), predicate="intersects")

    install(index)
    ours_t = best_of(ours_single, 5) / N_SINGLE * 1e6
    floor_t = best_of(raw_single, 5) / N_SINGLE * 1e6
    report("locate_single", ours=ours_t, floor=floor_t, target=0.5, unit="us/point", higher_is_better=False)
    install(plain_index)
    ours_t = best_of(ours_single, 5) / N_SINGLE * 1e6
    floor_t = best_of(raw_single_grid, 5) / N_SINGLE * 1e6
    report(
        "locate_single_grids_only",
        ours=ours_t,
        floor=floor_t,
        target=0.5,
        unit="us/point",
        higher_is_better=False,
    )


if __name__ == "__main__":
    main()
