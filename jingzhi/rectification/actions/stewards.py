"""Alley stewards (小巷管家) and their patrol logs (巡、访、做、报、记)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.accounts.models import User
from jingzhi.core import audit
from jingzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from jingzhi.core.ids import parse_id
from jingzhi.core.types import Actor, RowId
from jingzhi.rectification import permissions
from jingzhi.rectification.models import (
    PatrolDuty,
    PatrolLog,
    StewardAssignment,
)
from jingzhi.rectification.queries import point_on_street, today
from jingzhi.rectification.verbs import AuditVerb

from ._common import _date, _decimal, _street, _text, _user


def do_assign_steward(*, actor: Actor, street_code: str, user: User, started_on=None) -> StewardAssignment:
    from jingzhi.accounts.actions import do_assign_role

    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以安排小巷管家"), fields={"street": street.code}
        )
    if user is None or not user.is_active:
        raise InvalidInput(_("请选择在用的账号"), fields={"user": "invalid"})
    with transaction.atomic():
        existing = StewardAssignment.objects.filter(
            street_code=street.code, user=user, is_active=True
        ).first()
        if existing is not None:
            return existing
        role = do_assign_role(
            actor=None, user=user, role="steward", scope_kind="street", scope_code=street.code
        )
        assignment = StewardAssignment.objects.create(
            street_code=street.code,
            user=user,
            role_assignment=role,
            started_on=_date(started_on or today(), "started_on", _("开始日期")),
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.STEWARD_ASSIGNED,
            target=assignment,
            new={"street": street.code, "user": user.pk},
        )
    return assignment


def do_end_steward(*, actor: Actor, assignment_id: RowId, reason: str = "") -> StewardAssignment:
    from jingzhi.accounts.actions import do_revoke_role

    with transaction.atomic():
        assignment = StewardAssignment.objects.select_for_update().filter(pk=parse_id(assignment_id)).first()
        if assignment is None or (
            actor is not None and not permissions.can_view_street(actor, assignment.street_code)
        ):
            raise NotFound(_("小巷管家安排不存在，或您无权查看（编号 %(id)s）") % {"id": assignment_id})
        if actor is not None and not permissions.can_manage_street(actor, assignment.street_code):
            raise PermissionDenied(_("只有该街巷所在街道或区的管理员可以调整小巷管家"))
        if not assignment.is_active:
            return assignment
        assignment.is_active, assignment.ended_on = False, today()
        assignment.save(update_fields=["is_active", "ended_on"])
        if assignment.role_assignment_id:
            do_revoke_role(actor=None, assignment=assignment.role_assignment)
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.STEWARD_ENDED,
            target=assignment,
            old={"is_active": True},
            new={"is_active": False},
            note=_text(reason, 200),
        )
    return assignment


def do_log_patrol(
    *,
    actor: Actor,
    street_code: str,
    duty: str,
    note: str,
    lon=None,
    lat=None,
    category=None,
    photos=(),
    idempotency_key: str = "",
) -> PatrolLog:
    """One line of a steward's (or chief's) day: 巡 / 访 / 做 / 记, or 报 — which opens a case in the same step
    (category from `category`, else suggested from the text; place from the pin, else the street)."""
    street = _street(street_code)
    if actor is None or not permissions.can_log_patrol(actor, street.code):
        raise PermissionDenied(
            _("只有%(s)s的小巷管家、街巷长或管理员可以记录巡查") % {"s": street.name},
            fields={"street": street.code},
        )
    if duty not in PatrolDuty.values:
        raise InvalidInput(
            _("巡查类型“%(d)s”无效（巡、访、做、报、记）") % {"d": duty}, fields={"duty": "invalid"}
        )
    note = _text(note, 500)
    if not note:
        raise InvalidInput(_("请填写内容"), fields={"note": "required"})
    if lon in (None, "") or lat in (None, ""):
        lon = lat = None
    else:
        lon = float(_decimal(lon, "lon", _("经度")))
        lat = float(_decimal(lat, "lat", _("纬度")))
    with transaction.atomic():
        case = None
        if duty == PatrolDuty.REPORT:
            from jingzhi.accounts import access
            from jingzhi.cases.actions import do_open_case

            x, y = (lon, lat) if lon is not None else point_on_street(street)
            source = (
                "street_chief"
                if access.has_role(actor, "street_chief") and not access.has_role(actor, "steward")
                else "steward"
            )
            case = do_open_case(
                actor=actor,
                source=source,
                description=note,
                lon=x,
                lat=y,
                address=street.name,
                category=category or None,
                photos=photos,
                idempotency_key=idempotency_key or None,
            )
        log = PatrolLog.objects.create(
            street_code=street.code, user=actor, duty=duty, note=note, lon=lon, lat=lat, case=case
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.PATROL_LOGGED,
            target=log,
            new={"street": street.code, "duty": duty, "case": case.pk if case else None},
        )
    return log
