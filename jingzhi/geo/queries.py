"""Reads of places, already scoped to the person asking and pre-joined.

Lists show the places of the active generation; `access_place` fetches any generation's place by id
(a case keeps the grid of the generation it was filed under), with the same NotFound for "missing" and
"outside your jurisdiction". Scoping comes from `accounts.access.scope_codes(user)`: None = everything
(superusers); otherwise a list of place codes, each covering every code that starts with it. A handler's
department assignment counts as its department's district code. To let a person walk down the tree to
their own patch, the districts, subdistricts and communities *above* a scope code are visible too (as
names and outlines; boundaries are not secret); grids and streets only within it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jingzhi.core.errors import NotFound
from jingzhi.core.types import Reader, RowId
from jingzhi.geo.levels import get_level
from jingzhi.geo.models import BoundaryGeneration, Community, District, Grid, Street, Subdistrict

MODELS = {
    "district": District,
    "subdistrict": Subdistrict,
    "community": Community,
    "grid": Grid,
    "street": Street,
}
_ANCESTOR_LENGTHS = (6, 9, 12)


def active_generation() -> BoundaryGeneration | None:
    return BoundaryGeneration.objects.filter(is_active=True).first()


def generations() -> QuerySet[BoundaryGeneration]:
    return BoundaryGeneration.objects.select_related("created_by").order_by("-id")


def _scope(user) -> list[str] | None:
    from jingzhi.accounts import access

    if user is None or not getattr(user, "is_authenticated", False):
        return []
    codes = access.scope_codes(user)
    return None if codes is None else [c for c in codes if c]


def _scope_q(codes: list[str], *, with_ancestors: bool) -> Q:
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(code__startswith=code)
    if with_ancestors:
        ancestors = {code[:n] for code in codes for n in _ANCESTOR_LENGTHS if n < len(code)}
        if ancestors:
            q |= Q(code__in=sorted(ancestors))
    return q


def scoped(user: Reader, level: str, qs: QuerySet | None = None) -> QuerySet:
    """Any queryset of a level's places cut down to what `user` may see."""
    get_level(level)
    model = MODELS[level]
    qs = model.objects.all() if qs is None else qs
    codes = _scope(user)
    if codes is None:
        return qs
    if not codes:
        return qs.none()
    return qs.filter(_scope_q(codes, with_ancestors=level in ("district", "subdistrict", "community")))


def _active(level: str) -> QuerySet:
    gen = BoundaryGeneration.objects.filter(is_active=True).values_list("id", flat=True).first()
    return MODELS[level].objects.filter(generation_id=gen) if gen else MODELS[level].objects.none()


def districts_for(user: Reader) -> QuerySet[District]:
    return scoped(user, "district", _active("district"))


def subdistricts_for(user: Reader, district=None) -> QuerySet[Subdistrict]:
    qs = _active("subdistrict").select_related("district")
    if district is not None:
        qs = qs.filter(district=district)
    return scoped(user, "subdistrict", qs)


def communities_for(user: Reader, subdistrict=None) -> QuerySet[Community]:
    qs = _active("community").select_related("subdistrict__district")
    if subdistrict is not None:
        qs = qs.filter(subdistrict=subdistrict)
    return scoped(user, "community", qs)


def grids_for(user: Reader, community=None) -> QuerySet[Grid]:
    qs = _active("grid").select_related("community__subdistrict__district")
    if community is not None:
        qs = qs.filter(community=community)
    return scoped(user, "grid", qs)


def streets_for(user: Reader, subdistrict=None) -> QuerySet[Street]:
    qs = _active("street").select_related("subdistrict__district")
    if subdistrict is not None:
        qs = qs.filter(subdistrict=subdistrict)
    return scoped(user, "street", qs)


_RELATED = {
    "district": (),
    "subdistrict": ("district",),
    "community": ("subdistrict__district",),
    "grid": ("community__subdistrict__district",),
    "street": ("subdistrict__district",),
}


def access_place(user: Reader, level: str, pk: RowId):
    """The place, if it exists and `user` may see it; NotFound otherwise (the same for both)."""
    get_level(level)
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("地点编号「%(pk)s」无效") % {"pk": pk}, fields={"id": pk}) from None
    qs = MODELS[level].objects.select_related(*_RELATED[level]).filter(pk=pk)
    place = scoped(user, level, qs).first()
    if place is None:
        raise NotFound(fields={"id": pk})
    return place


def place_by_code(level: str, code: str, generation: BoundaryGeneration | None = None):
    """The place with `code` in `generation` (default: the active one), or None. Not scoped: for actions
    and importers that resolve codes, not for showing to a person."""
    get_level(level)
    qs = MODELS[level].objects.filter(code=code)
    if generation is None:
        return qs.filter(generation__is_active=True).first()
    return qs.filter(generation=generation).first()


# --- public place data --------------------------------------------------------------------------------------
# Names and outlines of communities, grids and streets are not secret: they hang on street boards and are
# on every paper map. A resident choosing where a problem is may look anywhere in the district, not only in
# their own community, so these reads are not scoped to a person — and carry nothing else (no people, no
# cases, no page links). They serve the report page's map and its search by place name.

PUBLIC_LEVELS = ("community", "grid", "street")
PUBLIC_SEARCH_LEVELS = ("street", "community")


@dataclass(frozen=True)
class PublicPlace:
    """A place a resident may pick by name: where to put the pin (`lon`, `lat`, a point on or inside it)
    and the box to show ([[south, west], [north, east]])."""

    level: str
    code: str
    name: str
    parent: str
    lon: float
    lat: float
    bounds: list


def public_places(level: str) -> QuerySet:
    """Every place of `level` in the active generation (public outlines; see above)."""
    if level not in PUBLIC_LEVELS:
        raise NotFound(fields={"level": level})
    return _active(level)


def _pin_point(geometry: dict | None) -> tuple[float, float] | None:
    """A point on a street (half-way along its longest part) or inside an area; None without geometry."""
    if not geometry:
        return None
    from shapely.geometry import shape

    try:
        geom = shape(geometry)
    except (ValueError, TypeError, KeyError):
        return None
    if geom.is_empty:
        return None
    if geom.geom_type == "MultiLineString":
        geom = max(geom.geoms, key=lambda g: g.length)
    if geom.geom_type == "LineString":
        point = geom.interpolate(0.5, normalized=True)
    else:
        point = geom.representative_point()
    return point.x, point.y


def _public_place(level: str, row) -> PublicPlace | None:
    point = _pin_point(row.geometry)
    if point is None or row.min_lon is None:
        return None
    parent = row.subdistrict.name if level in ("street", "community") else ""
    return PublicPlace(
        level=level,
        code=row.code,
        name=row.name,
        parent=parent,
        lon=round(point[0], 6),
        lat=round(point[1], 6),
        bounds=[[row.min_lat, row.min_lon], [row.max_lat, row.max_lon]],
    )


def public_street(code: str) -> PublicPlace | None:
    """The active street with `code` as a public place (a street board's QR code names it), or None. Its pin
    is a point along it that `locate` assigns to this very street (half-way along may be a crossing, whose
    nearer street would take the report), so a report from the board lands on the board's street."""
    code = (code or "").strip()[:32]
    row = _active("street").select_related("subdistrict").filter(code=code).first() if code else None
    if row is None:
        return None
    place = _public_place("street", row)
    if place is None:
        return None
    point = _point_on_own_street(row)
    if point is not None:
        place = PublicPlace(**{**place.__dict__, "lon": point[0], "lat": point[1]})
    return place


def _point_on_own_street(row) -> tuple[float, float] | None:
    from shapely.geometry import shape

    from jingzhi.geo.locate import locate

    try:
        geom = shape(row.geometry)
    except (ValueError, TypeError, KeyError):
        return None
    if geom.geom_type == "MultiLineString":
        geom = max(geom.geoms, key=lambda g: g.length)
    if geom.geom_type != "LineString":
        return None
    # Off the middle first by a little: streets are often drawn with a vertex (a junction) half-way.
    for fraction in (0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8, 0.5):
        point = geom.interpolate(fraction, normalized=True)
        # Checked as the form will send it (6 decimals): a junction's tie may fall either way.
        x, y = round(point.x, 6), round(point.y, 6)
        found = locate(x, y)
        if (
            found.inside
            and (found.street or {}).get("code") == row.code
            and found.street.get("distance_m", 0) < 1
        ):
            return x, y
    return None


def public_places_named(text: str, limit: int = 8) -> list[PublicPlace]:
    """Streets, then communities, whose name contains `text` (the start of the name first), at most `limit`."""
    text = (text or "").strip()[:40]
    if not text:
        return []
    found: list[PublicPlace] = []
    for level in PUBLIC_SEARCH_LEVELS:
        rows = (
            _active(level)
            .select_related("subdistrict")
            .filter(name__icontains=text)
            .order_by("name", "code")[: limit * 3]
        )
        ranked = sorted(rows, key=lambda r: (not r.name.startswith(text), len(r.name), r.name, r.code))
        for row in ranked:
            place = _public_place(level, row)
            if place is not None:
                found.append(place)
            if len(found) >= limit:
                return found
    return found
