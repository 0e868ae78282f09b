"""Small test places: one district, one subdistrict, one community of 2×2 grids of ~100 m, one street."""

from __future__ import annotations

from jingzhi.geo import actions

LON0, LAT0 = 116.37, 39.91
DLON, DLAT = 0.00117, 0.0009  # about 100 m × 100 m at 39.9°N
DISTRICT, SUBDISTRICT, COMMUNITY = "110199", "110199001", "110199001001"


def box(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def feature(code, name, geometry, **props) -> dict:
    return {"type": "Feature", "properties": {"code": code, "name": name, **props}, "geometry": geometry}


def cell(col, row, lon0=LON0, lat0=LAT0) -> dict:
    return box(lon0 + col * DLON, lat0 + row * DLAT, lon0 + (col + 1) * DLON, lat0 + (row + 1) * DLAT)


def grid_features(community=COMMUNITY, cols=2, rows=2, lon0=LON0, lat0=LAT0, prefix="网格") -> list[dict]:
    out = []
    n = 0
    for row in range(rows):
        for col in range(cols):
            n += 1
            out.append(feature(f"{community}{n:03d}", f"{prefix}{n}", cell(col, row, lon0, lat0)))
    return out


def outline(cols=2, rows=2, lon0=LON0, lat0=LAT0) -> dict:
    return box(lon0, lat0, lon0 + cols * DLON, lat0 + rows * DLAT)


def street_feature(code=f"{SUBDISTRICT}S001", name="槐柏树街", kind="street") -> dict:
    line = {"type": "LineString", "coordinates": [[LON0, LAT0 + DLAT], [LON0 + 2 * DLON, LAT0 + DLAT]]}
    return feature(code, name, line, kind=kind)


def build_city(actor=None, *, activate=True, cols=2, rows=2):
    """Import a whole small city into a fresh draft and (by default) activate it; returns the generation."""
    gen = actions.do_create_generation(actor=actor, description="测试", copy_active=False)
    big = outline(cols, rows)
    actions.do_import_places(
        actor=actor, level="district", generation=gen, features=[feature(DISTRICT, "测试区", big)]
    )
    actions.do_import_places(
        actor=actor, level="subdistrict", generation=gen, features=[feature(SUBDISTRICT, "测试街道", big)]
    )
    actions.do_import_places(
        actor=actor, level="community", generation=gen, features=[feature(COMMUNITY, "测试社区", big)]
    )
    actions.do_import_places(
        actor=actor, level="grid", generation=gen, features=grid_features(cols=cols, rows=rows)
    )
    actions.do_import_places(actor=actor, level="street", generation=gen, features=[street_feature()])
    if activate:
        actions.do_activate_generation(actor=actor, generation=gen)
    gen.refresh_from_db()
    return gen
