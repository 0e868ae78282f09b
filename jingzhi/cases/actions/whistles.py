"""街乡吹哨、部门报到: blowing the whistle, departments reporting in, the subdistrict rating each response."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.cases import deadlines, permissions, workflow
from jingzhi.cases.exceptions import ActionNotAllowed
from jingzhi.cases.models import (
    Case,
    Whistle,
    WhistleSummons,
)
from jingzhi.core import clock, workcalendar
from jingzhi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.core.text import listing
from jingzhi.core.types import Actor, RowId

from ._common import _clean_text, _notify, _record, _user, handlers_of
from .transitions import _departments


def _lock_cases(case_ids) -> list[Case]:
    ids = sorted({int(getattr(c, "pk", c)) for c in case_ids})
    cases = list(Case.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(cases) != len(ids) or not ids:
        raise NotFound(_("所选案件不存在，或您无权查看"))
    return cases


def _whistle_event(cases, *, actor, action: str, note: str, data: dict) -> None:
    now = clock.now()
    for case in cases:
        case.version += 1
        case.updated_at = now
        case.save(update_fields=["version", "updated_at"])
        _record(case, actor=actor, action=action, from_state=case.state, note=note, data=data)


def do_blow_whistle(
    *, actor: Actor, case_ids, department_ids, limit_minutes: int | None = None, note: str = ""
) -> Whistle:
    """街乡吹哨: a subdistrict administrator summons departments on one or several open cases of the
    subdistrict; each must report in within `limit_minutes` (default JINGZHI_WHISTLE_LIMIT_MINUTES, 30)."""
    limit = deadlines.whistle_limit_minutes() if limit_minutes in (None, "") else limit_minutes
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise InvalidInput(_("报到时限须为正整数（分钟）"), fields={"limit_minutes": "invalid"})
    if not department_ids:
        raise InvalidInput(_("请选择要吹哨召集的部门"), fields={"department_ids": "required"})
    departments = _departments(department_ids)
    note = _clean_text(note)
    with transaction.atomic():
        cases = _lock_cases(case_ids)
        for case in cases:
            if actor is not None and not permissions.can_see(actor, case):
                raise NotFound(_("所选案件不存在，或您无权查看"))
            roles = set(workflow.ALL_ROLES) if actor is None else permissions.roles_on_case(actor, case)
            try:
                workflow.check(case.state, workflow.WHISTLE, roles)
            except workflow.Refusal as refusal:
                raise ActionNotAllowed(
                    _("案件 %(n)s：") % {"n": case.number} + refusal.message,
                    allowed=refusal.allowed,
                    reason=refusal.kind,
                ) from None
        subdistricts = {c.subdistrict_code for c in cases}
        if len(subdistricts) != 1 or not next(iter(subdistricts)):
            raise InvalidInput(_("一次吹哨的案件须属于同一街道"), fields={"case_ids": "several_subdistricts"})
        now = clock.now()
        whistle = Whistle.objects.create(
            subdistrict_code=next(iter(subdistricts)),
            blown_by=_user(actor),
            blown_at=now,
            limit_minutes=limit,
            note=note,
        )
        whistle.cases.set(cases)
        summonses = WhistleSummons.objects.bulk_create(
            [
                WhistleSummons(whistle=whistle, department=d, report_deadline=now + timedelta(minutes=limit))
                for d in departments
            ]
        )
        _whistle_event(
            cases,
            actor=actor,
            action=workflow.WHISTLE,
            note=note,
            data={
                "whistle": whistle.pk,
                "departments": [d.pk for d in departments],
                "department_names": [d.name for d in departments],
                "limit_minutes": limit,
            },
        )
        _notify(
            handlers_of([d.pk for d in departments]),
            verb="whistle_blown",
            title=lambda: _("吹哨报到：请 %(m)d 分钟内到场") % {"m": limit},
            body=note or listing(c.number for c in cases),
            case=cases[0],
            target=whistle,
        )
    whistle.summons_list = summonses
    return whistle


def do_report_in(*, actor: Actor, summons_id: RowId, lon=None, lat=None, place: str = "") -> WhistleSummons:
    """部门报到: a handler of the summoned department reports arrival (time now, place and/or position)."""
    place = _clean_text(place)[:200]
    if not place and (lon is None or lat is None):
        raise InvalidInput(_("报到须填写到场地点或定位"), fields={"place": "required"})
    if lon is not None and lat is not None:
        from jingzhi.geo.locate import _check_point

        lon, lat = _check_point(lon, lat)
    with transaction.atomic():
        summons = (
            WhistleSummons.objects.select_for_update()
            .select_related("whistle", "department")
            .filter(pk=summons_id)
            .first()
        )
        if summons is None or (actor is not None and not permissions.can_report_in(actor, summons)):
            raise NotFound(_("报到通知不存在，或不属于您的部门"))
        if summons.reported_at is not None:
            raise Conflict(
                _("%(dept)s已于 %(at)s 报到")
                % {
                    "dept": summons.department.name,
                    "at": workcalendar._local(summons.reported_at).strftime("%H:%M"),
                }
            )
        now = clock.now()
        summons.reported_at, summons.reported_by = now, _user(actor)
        summons.report_place, summons.lon, summons.lat = place, lon, lat
        summons.save(update_fields=["reported_at", "reported_by", "report_place", "lon", "lat"])
        late = summons.is_late
        cases = _lock_cases(summons.whistle.cases.values_list("pk", flat=True))
        _whistle_event(
            cases,
            actor=actor,
            action=workflow.REPORT_IN,
            note=place,
            data={
                "whistle": summons.whistle_id,
                "summons": summons.pk,
                "department": summons.department_id,
                "department_name": summons.department.name,
                "is_late": late,
                "lon": lon,
                "lat": lat,
                "minutes": summons.minutes_taken,
            },
        )
    return summons


def do_rate_whistle_response(
    *, actor: Actor, summons_id: RowId, rating: int, comment: str = ""
) -> WhistleSummons:
    """The subdistrict rates a summoned department's response, 1–5; counts in the department's assessment."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidInput(_("评分须为 1 到 5 的整数"), fields={"rating": "invalid"})
    with transaction.atomic():
        summons = (
            WhistleSummons.objects.select_for_update()
            .select_related("whistle", "department")
            .filter(pk=summons_id)
            .first()
        )
        if summons is None:
            raise NotFound(_("报到记录不存在"))
        if actor is not None and not permissions.can_rate_whistle(actor, summons.whistle):
            raise PermissionDenied(_("只有本街道管理员可以评价部门报到"))
        if summons.rating is not None:
            raise Conflict(_("已评价过%(dept)s的报到") % {"dept": summons.department.name})
        summons.rating, summons.comment = rating, _clean_text(comment)
        summons.rated_by, summons.rated_at = _user(actor), clock.now()
        summons.save(update_fields=["rating", "comment", "rated_by", "rated_at"])
        cases = _lock_cases(summons.whistle.cases.values_list("pk", flat=True))
        _whistle_event(
            cases,
            actor=actor,
            action=workflow.RATE_WHISTLE,
            note=summons.comment,
            data={
                "whistle": summons.whistle_id,
                "summons": summons.pk,
                "department": summons.department_id,
                "department_name": summons.department.name,
                "rating": rating,
            },
        )
    return summons
