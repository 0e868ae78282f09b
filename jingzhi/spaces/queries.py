"""Reads of 腾退空间 and 便民, scoped to the person asking, for the web pages, the API and the ledger export.

Scoping is decided once: `permissions.view_scope(user)` gives the place codes (None: everything) and
`_scoped()` cuts any queryset of spaces down to them by community-code prefix. Coverage is computed in
memory from the active generation's grids (`coverage.measure`); correctness never waits for a job.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import shapely
from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from jingzhi.core import workcalendar
from jingzhi.core.tabular import WorkbookWriter
from jingzhi.spaces import coverage, permissions, workflow
from jingzhi.spaces.models import (
    CommunityPopulation,
    CoverageMonth,
    Merchant,
    Recheck,
    ServiceKind,
    ServicePoint,
    Space,
    Use,
    WalkNetwork,
)
from jingzhi.spaces.workflow import State

FREE_STATES = (State.VACATED, State.AWAITING, State.PLANNING)


def today() -> date:
    return workcalendar.today()


def _scoped(user, qs: QuerySet) -> QuerySet:
    if user is None:
        return qs
    if not permissions.can_view_spaces(user):
        return qs.none()
    codes = permissions.view_scope(user)
    if codes is None:
        return qs
    codes = [c for c in codes if c]
    if not codes:
        return qs.none()
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(community_code__startswith=code)
    return qs.filter(q)


def spaces_for(
    user, *, state: str = "", origin: str = "", subdistrict: str = "", q: str = ""
) -> QuerySet[Space]:
    qs = _scoped(user, Space.objects.select_related("planned_use", "actual_use"))
    if state:
        qs = qs.filter(state=state)
    if origin:
        qs = qs.filter(origin=origin)
    if subdistrict:
        qs = qs.filter(subdistrict_code=subdistrict)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q) | Q(number__icontains=q))
    return qs.order_by("number")


def spaces_for_assessment(user=None) -> QuerySet[Space]:
    """For assessment: every registered space (with `user`: those they may see), placed by `vacated_on`,
    with its `community_code`, `subdistrict_code` and current `state`; `workflow.REUSED` names the states
    that count as reused."""
    qs = Space.objects.all()
    return qs if user is None else _scoped(user, qs)


def coverage_months(user=None) -> QuerySet[CoverageMonth]:
    """For assessment: the month-end 便民 coverage records (one per grid × service kind, placed by `month`,
    with `community_code`, `subdistrict_code` and `covered`); with `user`, those in their jurisdiction."""
    qs = CoverageMonth.objects.all()
    return qs if user is None else _scoped(user, qs)


def overdue_rechecks(user, *, on: date | None = None) -> QuerySet[Space]:
    """Spaces whose re-check is overdue, for the communities the user is responsible for, oldest first."""
    on = on or today()
    return _scoped(user, Space.objects.filter(next_recheck_on__lt=on)).order_by("next_recheck_on", "number")


def history(space: Space) -> list:
    return list(space.events.select_related("actor").order_by("at", "id"))


def rechecks_of(space: Space) -> list[Recheck]:
    return list(space.rechecks.select_related("checker", "case").order_by("-checked_on", "-id"))


def merchants_for(user, *, space: Space | None = None, open_only: bool = False) -> QuerySet[Merchant]:
    qs = Merchant.objects.select_related("space").prefetch_related("support", "follow_ups")
    if user is not None:
        visible = _scoped(user, Space.objects.all()).values("pk")
        qs = qs.filter(space__in=visible)
    if space is not None:
        qs = qs.filter(space=space)
    if open_only:
        qs = qs.filter(closed_on__isnull=True)
    return qs.order_by("space__number", "name")


def uses() -> QuerySet[Use]:
    return Use.objects.filter(is_active=True).order_by("order", "code")


def service_kinds() -> QuerySet[ServiceKind]:
    return ServiceKind.objects.filter(is_active=True).order_by("order", "code")


# ---------------------------------------------------------------------------------------------- dashboard
@dataclass
class Tally:
    key: str
    label: str
    count: int = 0
    area: Decimal = Decimal(0)


def _tally(qs, field_name: str, labels: dict) -> list[Tally]:
    rows = {r[field_name]: r for r in qs.values(field_name).annotate(n=Count("id"), a=Sum("area_m2"))}
    out = [Tally(k, str(v), rows[k]["n"], rows[k]["a"] or Decimal(0)) for k, v in labels.items() if k in rows]
    return out


def dashboard(user) -> dict:
    qs = _scoped(user, Space.objects.all())
    by_state = _tally(qs, "state", dict(State.choices))
    by_origin = _tally(qs, "origin", dict(workflow.Origin.choices))
    subs = dict(qs.values_list("subdistrict_code", "subdistrict_name").distinct())
    by_subdistrict = _tally(qs, "subdistrict_code", dict(sorted(subs.items())))
    use_labels = {u.pk: u.name for u in Use.objects.all()}
    by_use = [
        t
        for t in _tally(qs.exclude(actual_use=None), "actual_use", use_labels)
        + _tally(qs.filter(actual_use=None).exclude(planned_use=None), "planned_use", use_labels)
    ]
    merged: dict[str, Tally] = {}
    for t in by_use:
        m = merged.setdefault(t.label, Tally(str(t.key), t.label))
        m.count += t.count
        m.area += t.area
    rate = workflow.reuse_rate({t.key: float(t.area) for t in by_state})
    return {
        "total": sum(t.count for t in by_state),
        "area": sum((t.area for t in by_state), Decimal(0)),
        "by_state": by_state,
        "by_origin": by_origin,
        "by_subdistrict": by_subdistrict,
        "by_use": list(merged.values()),
        "reuse_rate": rate,
        "rebound": next((t.count for t in by_state if t.key == State.REBOUND), 0),
        "overdue": overdue_rechecks(user).count(),
    }


def space_features(spaces) -> dict:
    """GeoJSON for the map: each space's geometry with its number, name, state and link (no people)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": s.geometry,
                "properties": {
                    "id": s.pk,
                    "number": s.number,
                    "name": s.name,
                    "state": s.state,
                    "state_label": str(s.get_state_display()),
                    "area_m2": float(s.area_m2),
                },
            }
            for s in spaces
        ],
    }


# ----------------------------------------------------------------------------------------------- ledger
LEDGER_HEADER = [
    "编号",
    "名称",
    "地址",
    "经度",
    "纬度",
    "面积（平方米）",
    "地上/地下",
    "来源",
    "产权单位",
    "管理单位",
    "腾退日期",
    "状态",
    "规划用途",
    "实际用途",
    "社区",
    "街道",
    "下次复查日期",
]


def ledger_xlsx(spaces) -> bytes:
    """The ledger as .xlsx, in the import's columns (re-importable), plus state and place. Organisations
    only: no merchant contact, no resident."""
    book = WorkbookWriter()
    sheet = book.sheet(_("腾退空间台账"), LEDGER_HEADER, text_columns=[1], date_columns=[11, 17])
    for s in spaces:
        sheet.append(
            [
                s.number,
                s.name,
                s.address,
                round(s.lon, 6),
                round(s.lat, 6),
                float(s.area_m2),
                _("地下") if s.underground else _("地上"),
                str(s.get_origin_display()),
                s.owner,
                s.manager,
                s.vacated_on,
                str(s.get_state_display()),
                s.planned_use.name if s.planned_use else "",
                s.actual_use.name if s.actual_use else "",
                s.community_name,
                s.subdistrict_name,
                s.next_recheck_on,
            ]
        )
    return book.to_bytes()


# ------------------------------------------------------------------------------------------------ coverage
def walk_for(kind: ServiceKind) -> coverage.Walk:
    return coverage.Walk(
        minutes=float(kind.walk_minutes),
        speed_m_per_min=float(getattr(settings, "JINGZHI_SPACES_WALK_SPEED_M_PER_MIN", 80)),
        detour=float(getattr(settings, "JINGZHI_SPACES_DETOUR_FACTOR", 1.3)),
    )


def max_snap_m() -> float:
    return float(getattr(settings, "JINGZHI_SPACES_NETWORK_MAX_SNAP_M", 300))


@dataclass
class Candidate:
    space: Space
    distance_m: float


@dataclass
class Gap:
    kind: ServiceKind
    community_code: str
    community_name: str
    subdistrict_name: str
    grids_total: int
    grids_uncovered: int
    area_share: float  # uncovered share of the community's grid area
    population: int | None
    affected: int | None
    candidates: list[Candidate] = field(default_factory=list)


@dataclass
class Coverage:
    kinds: list[ServiceKind]
    grids: list[dict]  # code, name, community_code, geometry, area
    results: dict[str, coverage.KindResult]
    gaps: list[Gap]
    method: str
    note: str
    network: WalkNetwork | None

    def share(self, kind_code: str) -> float | None:
        result = self.results.get(kind_code)
        if result is None or not len(self.grids):
            return None
        area = np.array([g["area"] for g in self.grids])
        return float(area[result.covered].sum() / area.sum()) if area.sum() else None

    def grid_features(self, kind_code: str) -> dict:
        result = self.results.get(kind_code)
        feats = []
        for i, g in enumerate(self.grids):
            covered = bool(result.covered[i]) if result is not None else False
            dist = float(result.distance_m[i]) if result is not None and covered else None
            feats.append(
                {
                    "type": "Feature",
                    "geometry": g["geometry"],
                    "properties": {
                        "code": g["code"],
                        "name": g["name"],
                        "covered": covered,
                        "distance_m": round(dist) if dist is not None else None,
                    },
                }
            )
        return {"type": "FeatureCollection", "features": feats}


def _grids(user) -> list[dict]:
    from jingzhi.geo.models import Grid
    from jingzhi.geo.queries import grids_for

    # `user` None is the system (the demo, commands, the bench): every grid of the active generation.
    base = grids_for(user) if user is not None else Grid.objects.filter(generation__is_active=True)
    rows = base.filter(geometry__isnull=False).select_related("community__subdistrict").order_by("code")
    out = []
    for g in rows:
        shape = shapely.from_geojson(json.dumps(g.geometry))
        point = shapely.point_on_surface(shape)
        out.append(
            {
                "code": g.code,
                "name": g.name,
                "community_code": g.community.code,
                "community_name": g.community.name,
                "subdistrict_name": g.community.subdistrict.name,
                "geometry": g.geometry,
                "lon": point.x,
                "lat": point.y,
                "area": float(g.area_m2 or 0) or 1.0,
            }
        )
    return out


def latest_network() -> WalkNetwork | None:
    return WalkNetwork.objects.order_by("-created_at", "-id").first()


def network_from(lines_geojson: dict, plane) -> coverage.Network:
    lines = []
    for geom in shapely.get_parts(shapely.from_geojson(json.dumps(lines_geojson))):
        for part in shapely.get_parts(geom):
            if shapely.get_type_id(part) in (1, 2):  # LineString, LinearRing
                xy = shapely.get_coordinates(part)
                lines.append(np.column_stack(plane.xy(xy[:, 0], xy[:, 1])))
    return coverage.Network(lines)


def coverage_for(user, *, kind_codes: list[str] | None = None, candidates: int = 3) -> Coverage:
    """Coverage of every (or the named) service kind over the grids the user sees, with the gaps by
    community and, for each gap, the nearest free vacated spaces that could host the service."""
    kinds = list(service_kinds())
    if kind_codes:
        kinds = [k for k in kinds if k.code in kind_codes]
    grids = _grids(user)
    lons = np.array([g["lon"] for g in grids])
    lats = np.array([g["lat"] for g in grids])
    plane = coverage.plane_for(lons, lats)
    targets = coverage.to_xy(plane, lons, lats) if grids else np.zeros((0, 2))
    points: dict[str, list] = defaultdict(list)
    for code, lon, lat in ServicePoint.objects.filter(kind__in=kinds).values_list("kind__code", "lon", "lat"):
        points[code].append((lon, lat))
    points_xy = {
        k.code: coverage.to_xy(plane, *np.array(points[k.code]).T) if points[k.code] else np.zeros((0, 2))
        for k in kinds
    }
    network_row = latest_network()
    network = (
        network_from(network_row.lines, plane) if network_row is not None and network_row.connected else None
    )
    results, note = coverage.measure(
        targets, points_xy, {k.code: walk_for(k) for k in kinds}, network=network, max_snap_m=max_snap_m()
    )
    if network_row is not None and not network_row.connected and not note:
        note = _("路网未采用（%(why)s），以下按直线距离×绕行系数计算") % {"why": network_row.message}
    method = coverage.NETWORK if network is not None and not note else coverage.STRAIGHT
    gaps = _gaps(user, kinds, grids, results, plane, candidates)
    return Coverage(kinds, grids, results, gaps, method, note, network_row)


def _gaps(user, kinds, grids, results, plane, k: int) -> list[Gap]:
    by_community: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(grids):
        by_community[g["community_code"]].append(i)
    populations = dict(CommunityPopulation.objects.values_list("community_code", "population"))
    free = list(
        _scoped(user, Space.objects.filter(state__in=FREE_STATES))
        .select_related("planned_use")
        .prefetch_related("planned_use__service_kinds")
    )
    free_xy = (
        coverage.to_xy(plane, np.array([s.lon for s in free]), np.array([s.lat for s in free]))
        if free
        else np.zeros((0, 2))
    )
    out = []
    for kind in kinds:
        result = results[kind.code]
        hosts = [
            i
            for i, s in enumerate(free)
            if s.planned_use is None or kind in s.planned_use.service_kinds.all()
        ]
        for community, idx in by_community.items():
            missing = [i for i in idx if not result.covered[i]]
            if not missing:
                continue
            area_all = sum(grids[i]["area"] for i in idx)
            area_missing = sum(grids[i]["area"] for i in missing)
            share = area_missing / area_all if area_all else 0.0
            population = populations.get(community)
            centre = np.array(
                [np.mean([grids[i]["lon"] for i in missing]), np.mean([grids[i]["lat"] for i in missing])]
            )
            centre_xy = coverage.to_xy(plane, centre[:1], centre[1:])[0]
            near = coverage.nearest(centre_xy, free_xy[hosts], k) if hosts else []
            first = grids[idx[0]]
            out.append(
                Gap(
                    kind,
                    community,
                    first["community_name"],
                    first["subdistrict_name"],
                    len(idx),
                    len(missing),
                    share,
                    population,
                    round(population * share) if population is not None else None,
                    [Candidate(free[hosts[j]], d) for j, d in near],
                )
            )
    out.sort(key=lambda g: (-(g.affected or 0), -g.area_share, g.kind.order, g.community_code))
    return out


GAP_HEADER = [
    "业态",
    "街道",
    "社区",
    "社区编码",
    "网格数",
    "未覆盖网格",
    "未覆盖面积占比",
    "常住人口",
    "受影响人口",
    "可承接的腾退空间（最近）",
]


def gaps_xlsx(result: Coverage) -> bytes:
    """The gap table as .xlsx — the evidence a 民情推动型 project attaches: per kind and community, what is
    missing, for how many people, and the nearest free spaces (number, name, metres, m²)."""
    book = WorkbookWriter()
    method = _("按步行路网距离计算") if result.method == coverage.NETWORK else _("按直线距离 × 绕行系数计算")
    sheet = book.sheet(_("便民缺口"), GAP_HEADER, text_columns=[4])
    for gap in result.gaps:
        sheet.append(
            [
                gap.kind.name,
                gap.subdistrict_name,
                gap.community_name,
                gap.community_code,
                gap.grids_total,
                gap.grids_uncovered,
                round(gap.area_share, 3),
                gap.population,
                gap.affected,
                "；".join(
                    f"{c.space.number} {c.space.name}（{c.distance_m:.0f} 米，{c.space.area_m2} 平方米）"
                    for c in gap.candidates
                ),
            ]
        )
    notes = book.sheet(_("说明"), None)
    notes.append([method])
    if result.note:
        notes.append([result.note])
    return book.to_bytes()
