"""Reads for the public GeoReport v2 endpoints: which cases are public, the filters of GET requests, and each
case as a spec `request` dict.

Open311 reads need no key and no login, so everything here is public by construction: a request shows its
service, status, times, place, the lead department's name and the client-provided `media_url` — never the
reporter's name, phone or e-mail, the device or account ids, staff names or free-text notes written by
staff (the manual-dispatch reason names the dispatcher, so routing reasons stay inside too). Which cases are
public at all is a setting: by default every source except the 12345 hotline and leaders' instructions,
whose words were not written for publication (`JINGZHI_OPEN311_PUBLIC_SOURCES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from jingzhi.accounts.models import Department
from jingzhi.cases import workflow
from jingzhi.cases.models import Case, CaseEvent, Source
from jingzhi.cases.queries import list_queryset
from jingzhi.core.text import listing
from jingzhi.geo.coords import wgs84_to_gcj02
from jingzhi.open311 import spec
from jingzhi.open311.services import service_code_of

PRIVATE_SOURCES_DEFAULT = ("hotline", "leader")
# Timeline entries about a person rather than the case.
_PRIVATE_ACTIONS = {workflow.FOLLOW}


def public_sources() -> list[str]:
    configured = getattr(settings, "JINGZHI_OPEN311_PUBLIC_SOURCES", None)
    if configured:
        return [s for s in configured if s in Source.values]
    return [s for s in Source.values if s not in PRIVATE_SOURCES_DEFAULT]


def public_cases() -> QuerySet[Case]:
    return Case.objects.filter(source__in=public_sources())


def _prejoined(qs: QuerySet[Case], *, with_events: bool) -> QuerySet[Case]:
    qs = list_queryset(qs).select_related("open311", "merged_into", "category__parent__parent")
    if with_events:
        qs = qs.prefetch_related(
            Prefetch(
                "events", queryset=CaseEvent.objects.order_by("created_at", "id"), to_attr="public_events"
            )
        )
    return qs


def access_request(service_request_id: str, *, with_events: bool = False) -> Case:
    case = (
        _prejoined(public_cases(), with_events=with_events)
        .filter(number=(service_request_id or "").strip())
        .first()
    )
    if case is None:
        raise spec.Open311Error(404, _("服务请求“%(id)s”不存在") % {"id": service_request_id})
    return case


@dataclass
class Filters:
    ids: list[str]
    category_ids: list[int] | None
    start: datetime
    end: datetime
    statuses: set[str]
    bbox: tuple[float, float, float, float] | None
    page: int
    page_size: int


def search(filters: Filters, *, with_events: bool = False) -> list[Case]:
    """GET requests: a list of ids overrides every other filter (as the spec says); otherwise the date window,
    service codes, statuses and bbox, newest first, one page."""
    qs = public_cases()
    if filters.ids:
        qs = qs.filter(number__in=filters.ids[: spec.MAX_REQUESTS])
    else:
        qs = qs.filter(reported_at__gte=filters.start, reported_at__lte=filters.end)
        if filters.category_ids is not None:
            qs = qs.filter(category_id__in=filters.category_ids)
        if filters.statuses and filters.statuses != {"open", "closed"}:
            if "open" in filters.statuses:
                qs = qs.exclude(state__in=workflow.FINISHED)
            else:
                qs = qs.filter(state__in=workflow.FINISHED)
        if filters.bbox is not None:
            minlon, minlat, maxlon, maxlat = filters.bbox
            qs = qs.filter(lon__gte=minlon, lon__lte=maxlon, lat__gte=minlat, lat__lte=maxlat)
    qs = _prejoined(qs, with_events=with_events).order_by("-reported_at", "-id")
    offset = (filters.page - 1) * filters.page_size
    return list(qs[offset : offset + filters.page_size])


# ---------------------------------------------------------------------------------------------- rendering
def _coords(case: Case, crs: str) -> tuple[float | None, float | None]:
    if case.lon is None or case.lat is None:
        return None, None
    if crs == "gcj02":
        lon, lat = wgs84_to_gcj02(case.lon, case.lat)
        return round(float(lon), 7), round(float(lat), 7)
    return round(case.lon, 7), round(case.lat, 7)


def status_notes(case: Case) -> str:
    label = workflow.state_label(case.state)
    if case.state == workflow.MERGED and case.merged_into_id:
        return _("%(label)s：与服务请求 %(number)s 为同一问题，请关注该请求") % {
            "label": label,
            "number": case.merged_into.number,
        }
    if case.state in workflow.FINISHED:
        return label
    if case.step:
        return _("%(label)s（当前环节：%(step)s）") % {
            "label": label,
            "step": workflow.STEP_LABELS[case.step],
        }
    return label


def service_notice(case: Case, tz: tzinfo) -> str:
    if case.state in workflow.FINISHED:
        return ""
    if case.state in (workflow.REPORTED, workflow.VERIFYING):
        text = _("已受理，将先到现场核实")
    else:
        text = _("已受理，正在办理")
    if case.step and case.step_deadline:
        text += _("；本环节（%(step)s）时限 %(when)s") % {
            "step": workflow.STEP_LABELS[case.step],
            "when": spec.w3c(case.step_deadline, tz),
        }
    return text


def _department_names(cases: list[Case]) -> dict[int, str]:
    ids = set()
    for case in cases:
        for event in getattr(case, "public_events", []):
            data = event.data or {}
            ids.update(i for i in data.get("departments", []) if isinstance(i, int))
            for key in ("lead", "department"):
                if isinstance(data.get(key), int):
                    ids.add(data[key])
    return dict(Department.objects.filter(pk__in=ids).values_list("pk", "name"))


def _public_event(event: CaseEvent, names: dict[int, str], tz: tzinfo) -> dict:
    data = event.data or {}
    ids = [i for i in data.get("departments", []) if isinstance(i, int)]
    ids += [data[k] for k in ("department",) if isinstance(data.get(k), int) and data[k] not in ids]
    return {
        "action": event.action,
        "action_label": event.action_label,
        "from_state": event.from_state or None,
        "to_state": event.to_state or None,
        "status": spec.spec_status(event.to_state, workflow.FINISHED) if event.to_state else None,
        "datetime": spec.w3c(event.created_at, tz),
        "departments": [names[i] for i in ids if i in names],
    }


def public_events(case: Case) -> list[CaseEvent]:
    return [e for e in getattr(case, "public_events", []) if e.action not in _PRIVATE_ACTIONS]


def request_dicts(
    cases: list[Case], tz: tzinfo, *, extensions: bool = False, crs: str = "wgs84"
) -> list[dict]:
    names = _department_names(cases) if extensions else {}
    return [request_dict(case, tz, extensions=extensions, crs=crs, names=names) for case in cases]


def request_dict(
    case: Case,
    tz: tzinfo,
    *,
    extensions: bool = False,
    crs: str = "wgs84",
    names: dict[int, str] | None = None,
) -> dict:
    lon, lat = _coords(case, crs)
    extra = getattr(case, "open311", None)  # reverse one-to-one: missing raises AttributeError
    body = {
        "service_request_id": case.number,
        "status": spec.spec_status(case.state, workflow.FINISHED),
        "status_notes": status_notes(case),
        "service_name": case.category.name if case.category_id else None,
        "service_code": service_code_of(case.category) if case.category_id else None,
        "description": case.description,
        "agency_responsible": case.lead_department.name if case.lead_department_id else None,
        "service_notice": service_notice(case, tz) or None,
        "requested_datetime": spec.w3c(case.reported_at, tz),
        "updated_datetime": spec.w3c(case.updated_at, tz),
        "expected_datetime": spec.w3c(case.handle_deadline, tz),
        "address": case.address
        or (case.street.name if case.street_id else "")
        or (case.grid.name if case.grid_id else "")
        or None,
        "address_id": (extra.address_id if extra and extra.address_id else case.grid_code) or None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": (extra.media_url if extra else "") or None,
    }
    if extensions:
        names = names if names is not None else _department_names([case])
        body["extended_attributes"] = {
            "detailed_status": case.state,
            "detailed_status_label": workflow.state_label(case.state),
            "step": case.step or None,
            "step_deadline": spec.w3c(case.step_deadline, tz),
            "overdue": case.is_overdue,
            "category": case.category.path_name if case.category_id else None,
            "subdistrict": case.subdistrict.name if case.subdistrict_id else None,
            "community": case.community.name if case.community_id else None,
            "grid_code": case.grid_code or None,
            "street": case.street.name if case.street_id else None,
            "merged_into": case.merged_into.number if case.merged_into_id else None,
            "coordinate_system": crs,
            "timeline": [_public_event(e, names, tz) for e in public_events(case)],
        }
    return body


def update_dicts(case: Case, tz: tzinfo) -> list[dict]:
    """Request updates (an extension): one per public timeline event, oldest first."""
    names = _department_names([case])
    updates = []
    for event in public_events(case):
        item = _public_event(event, names, tz)
        departments = listing(item["departments"])
        description = item["action_label"]
        if event.to_state and event.to_state != event.from_state:
            description += _("，状态：%(state)s") % {"state": workflow.state_label(event.to_state)}
        if departments:
            description += _("（%(who)s）") % {"who": departments}
        updates.append(
            {
                "update_id": str(event.pk),
                "service_request_id": case.number,
                "status": spec.spec_status(event.to_state or case.state, workflow.FINISHED),
                "updated_datetime": item["datetime"],
                "description": description,
                "media_url": None,
                "detailed_status": event.to_state or None,
            }
        )
    return updates
