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


# --- the English interface: what a page shows that is still Chinese (used by every app's English tests) ---
NOT_CHROME = ["简体中文"]


def visible_text(html: str) -> str:
    """The page as a person reads it: no scripts, styles or tags, entities left alone."""
    import re

    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def chinese_chrome(html: str, data: list[str]) -> list[str]:
    """Runs of Han characters left once the data values are taken out: each one is untranslated chrome."""
    import re

    text = visible_text(html)
    for value in sorted(data + NOT_CHROME, key=len, reverse=True):
        text = text.replace(value, " ")
    return re.findall(r"[\u4e00-\u9fff][^\sA-Za-z0-9<>]*", text)
