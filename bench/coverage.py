"""The 一刻钟便民生活圈 computation: our straight-line coverage against a raw shapely STRtree nearest query.

Data: 100,000 grid cells (their representative points, a 400 × 250 lattice of ~100 m cells around 116.37°E
39.91°N, about 40 km × 25 km) and 20,000 service points of one kind scattered at random over the same
extent. "Ours" is the path `spaces.queries.coverage_for` takes once the rows are loaded: lon/lat arrays in,
projected to the local metric plane (`coverage.plane_for`, `coverage.to_xy`), then `coverage.measure` with
the default walk (15 min × 80 m/min ÷ detour 1.3 ≈ 923 m), giving each cell covered-or-not and its distance.
The floor is the bare shapely call on arrays already in metres: build the STRtree of the points and one
`query_nearest(cells, max_distance=reach, return_distance=True, all_matches=False)`. Figures are cells per
second; ratio = ours / floor (higher is better), target 0.5.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import best_of, report, setup_django  # noqa: E402

setup_django()

import numpy as np  # noqa: E402
import shapely  # noqa: E402

from jingzhi.spaces import coverage  # noqa: E402

LON0, LAT0 = 116.20, 39.80
DLON, DLAT = 0.00117, 0.0009
COLS, ROWS = 400, 250
N_POINTS = 20_000


def main() -> None:
    cols, rows = np.meshgrid(np.arange(COLS), np.arange(ROWS))
    cell_lon = (LON0 + (cols.ravel() + 0.5) * DLON).astype(float)
    cell_lat = (LAT0 + (rows.ravel() + 0.5) * DLAT).astype(float)
    rng = np.random.default_rng(14)
    point_lon = LON0 + rng.uniform(0, COLS * DLON, N_POINTS)
    point_lat = LAT0 + rng.uniform(0, ROWS * DLAT, N_POINTS)
    walk = coverage.Walk()
    n_cells = len(cell_lon)

    def ours():
        plane = coverage.plane_for(cell_lon, cell_lat)
        targets = coverage.to_xy(plane, cell_lon, cell_lat)
        points = coverage.to_xy(plane, point_lon, point_lat)
        results, _note = coverage.measure(targets, {"k": points}, {"k": walk})
        return results["k"]

    plane = coverage.plane_for(cell_lon, cell_lat)
    targets_xy = coverage.to_xy(plane, cell_lon, cell_lat)
    points_xy = coverage.to_xy(plane, point_lon, point_lat)
    reach = walk.straight_reach_m

    def floor():
        tree = shapely.STRtree(shapely.points(points_xy))
        return tree.query_nearest(
            shapely.points(targets_xy), max_distance=reach, return_distance=True, all_matches=False
        )

    # The two must agree before either is timed.
    result = ours()
    (hit, _p), _d = floor()
    assert int(result.covered.sum()) == len(np.unique(hit)), "ours and the floor disagree"
    ours_t = best_of(ours, 5)
    floor_t = best_of(floor, 5)
    report("coverage_15min", ours=n_cells / ours_t, floor=n_cells / floor_t, target=0.5, unit="cells/s")


if __name__ == "__main__":
    main()
