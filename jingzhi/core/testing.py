"""Small builders shared by the apps' test suites (GeoJSON shapes for test places). Tests only."""

from jingzhi.core.audit_verbs import AuditVerb


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    """A GeoJSON polygon for the lon/lat box (lon0, lat0)–(lon1, lat1)."""
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


def feature(geometry: dict, **properties) -> dict:
    """A GeoJSON feature with the given properties (code, name, kind…), as the geo importers take it."""
    return {"type": "Feature", "properties": properties, "geometry": geometry}


class TestVerb(AuditVerb):
    """Audit verbs the core tests record on made-up targets."""

    __test__ = False  # not a pytest class
    THING_CHANGED = "thing.changed"
    X = "x"
    RACE = "race"
