"""`locate(lon, lat)`: which grid, community, subdistrict and district a point lies in, and the nearest street.

Every case, report and patrol check-in asks this, so it is answered from memory: one `LocateIndex` per
active boundary generation holds a shapely STRtree of the grids (in degrees, for exact containment) and one
of the streets (in a local metric plane, so "within 50 m" is metres). The index is built lazily on first use
and again when `do_activate_generation` commits; a process that did not perform the activation notices it
within `JINGZHI_LOCATE_RECHECK_SECONDS` (default 2 s), because asking the database on every call would cost
more than the lookup itself. Builds are serialised by a lock; readers never wait for one.

Results are frozen `Location` values. Points that fall in the same grid with no street nearby share one
Location object, which is what makes the batch form (`locate_many`) run at close to raw STRtree speed; treat
the small dicts inside as read-only.
"""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from django.utils.translation import gettext as _

from jingzhi.core.text import listing
from jingzhi.geo.coords import gcj02_to_wgs84
from jingzhi.geo.exceptions import InvalidCoordinates
from jingzhi.geo.measure import LocalPlane

CRS_NAMES = {
    "wgs84": "wgs84",
    "cgcs2000": "wgs84",
    "epsg:4326": "wgs84",
    "epsg:4490": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
}


@dataclass(frozen=True, slots=True)
class Location:
    inside: bool
    grid: dict | None = None
    community: dict | None = None
    subdistrict: dict | None = None
    district: dict | None = None
    street: dict | None = None  # {"id","code","name","kind","distance_m"}
    message: str = ""
    generation_id: int | None = None

    def as_dict(self) -> dict:
        return {
            "inside": self.inside,
            "grid": self.grid,
            "community": self.community,
            "subdistrict": self.subdistrict,
            "district": self.district,
            "street": self.street,
            "message": self.message,
            "generation_id": self.generation_id,
        }


def _outside_template() -> str:
    return _("该位置不在本辖区任何网格内（经度%(lon).6f，纬度%(lat).6f）")


def _outside_message(lon: float, lat: float, template: str | None = None) -> str:
    return (template or _outside_template()) % {"lon": lon, "lat": lat}


@dataclass
class GridEntry:
    shape: object  # shapely polygon in lon/lat
    grid: dict
    community: dict | None = None
    subdistrict: dict | None = None
    district: dict | None = None


@dataclass
class StreetEntry:
    shape: object  # shapely geometry in lon/lat
    street: dict


class LocateIndex:
    """The in-memory spatial index of one boundary generation."""

    def __init__(
        self,
        grids: list[GridEntry],
        streets: list[StreetEntry],
        *,
        generation_id: int | None = None,
        snap_m: float = 50.0,
    ):
        self.generation_id = generation_id
        self.snap_m = float(snap_m)
        shapes = np.array([g.shape for g in grids], dtype=object)
        street_shapes = np.array([s.shape for s in streets], dtype=object)
        if len(shapes):
            b = shapely.total_bounds(shapes)
        elif len(street_shapes):
            b = shapely.total_bounds(street_shapes)
        else:
            b = (0.0, 0.0, 0.0, 0.0)
        # Both trees live in one local metric plane. The plane is an affine image of lon/lat, so "inside
        # this grid" is answered exactly as in degrees, distances come out in metres, and each query point
        # is built once for both trees (building point geometries costs as much as the query itself).
        self.plane = LocalPlane((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
        self.grid_tree = shapely.STRtree(self.plane.project(shapes))
        # One shared Location per grid for the common case "inside, no street near".
        self.plain = [
            Location(True, g.grid, g.community, g.subdistrict, g.district, None, "", generation_id)
            for g in grids
        ]
        # The same, as an object array with a None at the end, so index -1 ("outside") maps to None and a
        # whole batch is looked up by numpy fancy indexing instead of a Python loop.
        self._plain_array = np.array([*self.plain, None], dtype=object)
        self.entries = grids
        self.streets = [s.street for s in streets]
        self.street_tree = shapely.STRtree(self.plane.project(street_shapes)) if streets else None
        self.size = len(grids)

    # ---- single point
    def locate_one(self, lon: float, lat: float) -> Location:
        plane = self.plane
        point = shapely.Point((lon - plane.lon0) * plane.kx, (lat - plane.lat0) * plane.ky)
        hits = self.grid_tree.query(point, predicate="intersects").tolist()
        base = self.plain[hits[0] if len(hits) == 1 else min(hits)] if hits else None
        street = None
        if self.street_tree is not None:
            found, dist = self.street_tree.query_nearest(
                point, max_distance=self.snap_m, return_distance=True
            )
            if len(found):
                street = {**self.streets[int(found[0])], "distance_m": round(float(dist[0]), 1)}
        return self._result(base, street, lon, lat)

    def _result(
        self, base: Location | None, street: dict | None, lon: float, lat: float, template: str | None = None
    ) -> Location:
        if base is None:
            return Location(
                False,
                street=street,
                message=_outside_message(lon, lat, template),
                generation_id=self.generation_id,
            )
        if street is None:
            return base
        return Location(
            True, base.grid, base.community, base.subdistrict, base.district, street, "", self.generation_id
        )

    # ---- batch
    def points(self, lons: np.ndarray, lats: np.ndarray):
        x, y = self.plane.xy(lons, lats)
        return shapely.points(x, y)

    def grid_of(self, points) -> np.ndarray:
        """Index of the grid holding each (plane) point (the lowest index on a shared edge), -1 outside."""
        n = len(points)
        src, hit = self.grid_tree.query(points, predicate="intersects")
        out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(out, src, hit)
        out[out == np.iinfo(np.int64).max] = -1
        return out

    def street_of(self, points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.street_tree is None:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
        (src, hit), dist = self.street_tree.query_nearest(
            points, max_distance=self.snap_m, return_distance=True, all_matches=False
        )
        return src, hit, dist

    def locate_arrays(self, lons: np.ndarray, lats: np.ndarray) -> list[Location]:
        points = self.points(lons, lats)
        grid_idx = self.grid_of(points)
        results: list[Location | None] = self._plain_array[grid_idx].tolist()
        src, hit, dist = self.street_of(points)
        streets = self.streets
        template = _outside_template()  # translated once per batch, not once per point
        for i, s, d in zip(src.tolist(), hit.tolist(), dist.tolist(), strict=True):
            street = {**streets[s], "distance_m": round(d, 1)}
            results[i] = self._result(results[i], street, float(lons[i]), float(lats[i]), template)
        outside = np.flatnonzero(grid_idx < 0)
        for i, lon, lat in zip(outside.tolist(), lons[outside].tolist(), lats[outside].tolist(), strict=True):
            if results[i] is None:
                results[i] = Location(
                    False, message=template % {"lon": lon, "lat": lat}, generation_id=self.generation_id
                )
        return results  # type: ignore[return-value]


def _small(obj_id, code, name) -> dict:
    return {"id": obj_id, "code": code, "name": name}


def _shape(geometry) -> object:
    return shapely.from_geojson(json.dumps(geometry))


def build_index(generation_id: int) -> LocateIndex:
    """Load one generation's grids and streets from the database into a LocateIndex."""
    from jingzhi.geo.models import Grid, Street

    grids = []
    rows = (
        Grid.objects.filter(generation_id=generation_id, geometry__isnull=False)
        .order_by("code")
        .values_list(
            "id",
            "code",
            "name",
            "geometry",
            "community_id",
            "community__code",
            "community__name",
            "community__subdistrict_id",
            "community__subdistrict__code",
            "community__subdistrict__name",
            "community__subdistrict__district_id",
            "community__subdistrict__district__code",
            "community__subdistrict__district__name",
        )
    )
    communities: dict = {}
    subdistricts: dict = {}
    districts: dict = {}
    for gid, code, name, geometry, cid, ccode, cname, sid, scode, sname, did, dcode, dname in rows:
        community = communities.setdefault(cid, _small(cid, ccode, cname))
        subdistrict = subdistricts.setdefault(sid, _small(sid, scode, sname))
        district = districts.setdefault(did, _small(did, dcode, dname))
        grids.append(GridEntry(_shape(geometry), _small(gid, code, name), community, subdistrict, district))
    streets = [
        StreetEntry(_shape(geometry), {"id": sid, "code": code, "name": name, "kind": kind})
        for sid, code, name, kind, geometry in Street.objects.filter(
            generation_id=generation_id, geometry__isnull=False
        )
        .order_by("code")
        .values_list("id", "code", "name", "kind", "geometry")
    ]
    return LocateIndex(grids, streets, generation_id=generation_id, snap_m=snap_metres())


def snap_metres() -> float:
    return float(getattr(settings, "JINGZHI_STREET_SNAP_METRES", 50.0))


# ---------------------------------------------------------------------------------------------- the cache

_lock = threading.Lock()
# (key, index, checked_at, recheck_seconds) swapped as one tuple so readers never see a half-updated state;
# the recheck interval is read from settings at each recheck, not at import and not on every call.
_current: tuple | None = None


def _recheck_seconds() -> float:
    return float(getattr(settings, "JINGZHI_LOCATE_RECHECK_SECONDS", 2.0))


def _active_key():
    from jingzhi.geo.models import BoundaryGeneration

    row = (
        BoundaryGeneration.objects.filter(is_active=True)
        .values_list("id", "activated_at", "created_at")
        .first()
    )
    return row


def current_index() -> LocateIndex | None:
    """The index of the active generation (None when no generation is active)."""
    global _current
    state = _current
    now = time.monotonic()
    if state is not None and now - state[2] < state[3]:
        return state[1]
    key = _active_key()
    recheck = _recheck_seconds()
    if state is not None and state[0] == key:
        _current = (key, state[1], now, recheck)
        return state[1]
    with _lock:
        state = _current
        if state is not None and state[0] == key and now - state[2] < state[3]:
            return state[1]
        index = build_index(key[0]) if key else None
        _current = (key, index, time.monotonic(), recheck)
        return index


def invalidate() -> None:
    """Forget the cached index; the next call rebuilds it from the database."""
    global _current
    with _lock:
        _current = None


def rebuild(generation_id: int | None = None) -> LocateIndex | None:
    """Rebuild now (called when an activation commits), so the first locate after it is fast."""
    invalidate()
    return current_index()


# ---------------------------------------------------------------------------------------------- public API


def _normalise_crs(crs: str) -> str:
    name = CRS_NAMES.get(str(crs).lower())
    if name is None:
        raise InvalidCoordinates(
            _("坐标系「%(crs)s」无效，应为 wgs84（含 CGCS2000）或 gcj02（高德、腾讯地图）") % {"crs": crs},
            fields={"crs": crs},
        )
    return name


def _check_point(lon, lat, *, label: str = "") -> tuple[float, float]:
    try:
        x = float(lon)
        y = float(lat)
    except (TypeError, ValueError):
        raise InvalidCoordinates(
            _("%(label)s经纬度应为数字，收到 经度=%(lon)r，纬度=%(lat)r")
            % {"label": label, "lon": lon, "lat": lat},
            fields={"lon": lon, "lat": lat},
        ) from None
    if not (math.isfinite(x) and -180.0 <= x <= 180.0):
        raise InvalidCoordinates(
            _("%(label)s经度 %(lon)s 超出范围（应在 -180 到 180 之间）") % {"label": label, "lon": lon},
            fields={"lon": lon},
        )
    if not (math.isfinite(y) and -90.0 <= y <= 90.0):
        raise InvalidCoordinates(
            _("%(label)s纬度 %(lat)s 超出范围（应在 -90 到 90 之间）") % {"label": label, "lat": lat},
            fields={"lat": lat},
        )
    return x, y


def _no_generation(lon: float, lat: float) -> Location:
    return Location(
        False,
        message=_("尚未启用任何边界版本，无法判断位置所属网格（经度%(lon).6f，纬度%(lat).6f）")
        % {"lon": lon, "lat": lat},
    )


def locate(lon, lat, *, crs: str = "wgs84") -> Location:
    """Where is (lon, lat)? Never raises for a point outside the jurisdiction — `inside` is False and
    `message` says so; raises InvalidCoordinates for numbers that are not a longitude/latitude."""
    x, y = _check_point(lon, lat)
    if crs != "wgs84" and _normalise_crs(crs) == "gcj02":
        x, y = gcj02_to_wgs84(x, y)
    index = current_index()
    if index is None:
        return _no_generation(x, y)
    return index.locate_one(x, y)


def locate_many(points, *, crs: str = "wgs84") -> list[Location]:
    """The batch form: `points` is a sequence of (lon, lat) pairs or an (n, 2) array; one Location each."""
    kind = _normalise_crs(crs)
    try:
        arr = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise InvalidCoordinates(
            _("点列表应为 (经度, 纬度) 数字对的序列"), fields={"points": "format"}
        ) from None
    if arr.size == 0:
        return []
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InvalidCoordinates(_("点列表应为 (经度, 纬度) 数字对的序列"), fields={"points": "format"})
    lons, lats = np.ascontiguousarray(arr[:, 0]), np.ascontiguousarray(arr[:, 1])
    # NaN fails the comparison too, so one pass catches non-numbers and out-of-range values.
    bad = ~((np.abs(lons) <= 180) & (np.abs(lats) <= 90))
    if bad.any():
        rows = np.flatnonzero(bad)
        listed = listing(
            _("第%(n)d个点 (%(lon)s, %(lat)s)") % {"n": i + 1, "lon": lons[i], "lat": lats[i]}
            for i in rows[:10]
        )
        raise InvalidCoordinates(
            _("%(count)d 个点的经纬度超出范围（经度 -180～180，纬度 -90～90）：%(listed)s")
            % {"count": len(rows), "listed": listed},
            fields={"points": [int(i) for i in rows[:100]]},
        )
    if kind == "gcj02":
        lons, lats = gcj02_to_wgs84(lons, lats)
    index = current_index()
    if index is None:
        return [_no_generation(float(a), float(b)) for a, b in zip(lons, lats, strict=True)]
    return index.locate_arrays(lons, lats)
