"""A tiny city for the API tests, built through the geo actions: one district, two subdistricts, three
communities of two grids each, one street per subdistrict. About 100 m grids at 116.37°E 39.91°N."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from jingzhi.api.testing import token_client, user_with  # noqa: F401  (used by the API tests)
from jingzhi.geo import actions as geo

LON0, LAT0 = 116.37, 39.91
DLON, DLAT = 0.00117, 0.0009
D = "110199"
S1, S2 = "110199001", "110199002"
C11, C12, C21 = "110199001001", "110199001002", "110199002001"
# community code → (column offset, row offset) of its 2×1 block of grids
BLOCKS = {C11: (0, 0), C12: (0, 1), C21: (2, 0)}


def box(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def cells(col0, row0, cols, rows) -> dict:
    return box(
        LON0 + col0 * DLON, LAT0 + row0 * DLAT, LON0 + (col0 + cols) * DLON, LAT0 + (row0 + rows) * DLAT
    )


def feature(code, name, geometry, **props) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name, **props}, "geometry": geometry}


def centre_of_grid(community: str, n: int) -> tuple[float, float]:
    col, row = BLOCKS[community]
    return LON0 + (col + n - 0.5) * DLON, LAT0 + (row + 0.5) * DLAT


@dataclass
class City:
    generation: object

    def place(self, level: str, code: str):
        from jingzhi.geo.queries import MODELS

        return MODELS[level].objects.get(generation=self.generation, code=code)


def build_city() -> City:
    gen = geo.do_create_generation(actor=None, description="API 测试", copy_active=False)

    def load(level, features):
        geo.do_import_places(actor=None, level=level, generation=gen, features=features)

    load("district", [feature(D, "测试区", cells(0, 0, 4, 2))])
    # S1 = columns 0–1 (two communities stacked), S2 = columns 2–3 (one community, bottom row only)
    load("subdistrict", [feature(S1, "西街道", cells(0, 0, 2, 2)), feature(S2, "东街道", cells(2, 0, 2, 2))])
    load(
        "community",
        [
            feature(C11, "南社区", cells(0, 0, 2, 1)),
            feature(C12, "北社区", cells(0, 1, 2, 1)),
            feature(C21, "东社区", cells(2, 0, 2, 2)),
        ],
    )
    grids = []
    for community, (col, row) in BLOCKS.items():
        rows = 2 if community == C21 else 1
        grids.append(feature(f"{community}001", f"{community[-3:]}-1", cells(col, row, 1, rows)))
        grids.append(feature(f"{community}002", f"{community[-3:]}-2", cells(col + 1, row, 1, rows)))
    load("grid", grids)
    y = LAT0 + 0.5 * DLAT
    load(
        "street",
        [
            feature(
                f"{S1}S001",
                "西巷",
                {"type": "LineString", "coordinates": [[LON0, y], [LON0 + 2 * DLON, y]]},
                kind="alley",
            ),
            feature(
                f"{S2}S001",
                "东街",
                {"type": "LineString", "coordinates": [[LON0 + 2 * DLON, y], [LON0 + 4 * DLON, y]]},
                kind="street",
            ),
        ],
    )
    geo.do_activate_generation(actor=None, generation=gen)
    gen.refresh_from_db()
    return City(gen)


@pytest.fixture
def city(db) -> City:
    return build_city()


@pytest.fixture
def root(db):
    return user_with("root", superuser=True)


@pytest.fixture
def root_client(root) -> APIClient:
    return token_client(root)


@pytest.fixture
def s1_admin(db):
    return user_with("s1admin", ("subdistrict_admin", "subdistrict", S1))


@pytest.fixture
def s1_client(s1_admin) -> APIClient:
    return token_client(s1_admin)
