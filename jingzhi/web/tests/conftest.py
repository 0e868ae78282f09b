"""A small place tree for the web tests, written straight into the tables (the geo importer has its own
tests; here we test what the pages show and hide). Two subdistricts, two communities each, 2 × 2 grids
per community, one street per subdistrict, and users scoped to each level."""

from __future__ import annotations

import pytest

from jingzhi.web.testing import appointed, at, clock_at, w, world  # noqa: F401  (fixtures for every web test)

D = "110199"
ORIGIN_LON, ORIGIN_LAT = 116.35, 39.92
STEP = 0.001


def _box(col0, row0, cols=1, rows=1):
    # Every corner from its lattice index, rounded, so neighbouring cells share edges exactly.
    west, n = round(ORIGIN_LON + col0 * STEP, 7), round(ORIGIN_LAT - row0 * STEP, 7)
    e, s = round(ORIGIN_LON + (col0 + cols) * STEP, 7), round(ORIGIN_LAT - (row0 + rows) * STEP, 7)
    ring = [[west, s], [e, s], [e, n], [west, n], [west, s]]
    return {"type": "Polygon", "coordinates": [ring]}, dict(min_lon=west, min_lat=s, max_lon=e, max_lat=n)


@pytest.fixture
def tree(db):
    from jingzhi.geo.models import BoundaryGeneration, Community, District, Grid, Street, Subdistrict

    gen = BoundaryGeneration.objects.create(description="web tests", is_active=True)
    geom, bbox = _box(0, 0, 8, 2)
    district = District.objects.create(generation=gen, code=D, name="示范区", geometry=geom, **bbox)
    out = {
        "generation": gen,
        "district": district,
        "subdistricts": [],
        "communities": [],
        "grids": [],
        "streets": [],
    }
    for s in range(2):
        geom, bbox = _box(4 * s, 0, 4, 2)
        sub = Subdistrict.objects.create(
            generation=gen,
            district=district,
            code=f"{D}00{s + 1}",
            name=["青槐街道", "丰泽街道"][s],
            geometry=geom,
            **bbox,
        )
        out["subdistricts"].append(sub)
        for c in range(2):
            col0 = 4 * s + 2 * c
            geom, bbox = _box(col0, 0, 2, 2)
            com = Community.objects.create(
                generation=gen,
                subdistrict=sub,
                code=f"{sub.code}00{c + 1}",
                name=f"{sub.name[:2]}{'东西'[c]}社区",
                geometry=geom,
                **bbox,
            )
            out["communities"].append(com)
            seq = 0
            for row in range(2):
                for col in range(2):
                    seq += 1
                    geom, bbox = _box(col0 + col, row)
                    out["grids"].append(
                        Grid.objects.create(
                            generation=gen,
                            community=com,
                            code=f"{com.code}{seq:03d}",
                            name=f"{com.name}第{seq}网格",
                            geometry=geom,
                            area_m2=9000.0,
                            **bbox,
                        )
                    )
        y = ORIGIN_LAT - 0.5 * STEP
        x0, x1 = ORIGIN_LON + (4 * s + 0.5) * STEP, ORIGIN_LON + (4 * s + 3.5) * STEP
        out["streets"].append(
            Street.objects.create(
                generation=gen,
                subdistrict=sub,
                code=f"{sub.code}S001",
                name=["槐柏树街", "丰盛胡同"][s],
                kind="hutong",
                geometry={"type": "LineString", "coordinates": [[x0, y], [x1, y]]},
                min_lon=x0,
                max_lon=x1,
                min_lat=y,
                max_lat=y,
                length_m=255.0,
            )
        )
    return out


def _user(username, role=None, scope_kind="", scope_code=""):
    from jingzhi.accounts.actions import do_assign_role, do_create_user

    user = do_create_user(actor=None, username=username, password="pw-" + username, display_name=username)
    if role:
        do_assign_role(actor=None, user=user, role=role, scope_kind=scope_kind, scope_code=scope_code)
    return user


@pytest.fixture
def district_admin(tree):
    return _user("qu", "district_admin", "district", D)


@pytest.fixture
def sub_admin(tree):
    """Administrator of the first subdistrict (青槐街道) only."""
    return _user("jd1", "subdistrict_admin", "subdistrict", tree["subdistricts"][0].code)


@pytest.fixture
def sub_admin_client(client, sub_admin):
    client.force_login(sub_admin)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
