"""The only code that writes 多元共治's tables.

Every `do_*` takes the actor as a keyword, checks its input completely (a specific Chinese message naming
the field), checks permission through `permissions`, then writes inside one `transaction.atomic()` with an
audit row per change. Findings and action items that open cases go through `cases.actions.do_open_case`
(source 理事会), never the cases tables. Notifications run after commit. `actor` None is the system (the
demo, imports): it passes permission checks and still leaves audit rows.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jingzhi.accounts.models import Department, User
from jingzhi.core import audit, clock, hooks
from jingzhi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.core.ids import parse_id
from jingzhi.core.types import Actor, RowId
from jingzhi.councils import hooks as council_hooks
from jingzhi.councils import permissions, workflow
from jingzhi.councils.exceptions import CompositionInvalid, OutsideArea, RosterUncoverable
from jingzhi.councils.models import (
    ActionItem,
    AgendaItem,
    AreaKind,
    Attendance,
    CommunityTask,
    Council,
    CouncilMember,
    Decision,
    Finding,
    HolidayPolicy,
    Meeting,
    MeetingKind,
    MemberKind,
    MemberRole,
    MembershipChange,
    OutsidePolicy,
    PartyMember,
    PartyOrganisation,
    PatrolRound,
    PropertyCompany,
    Roster,
    Shift,
    Swap,
    TaskKind,
    TaskSignup,
    Unavailability,
)
from jingzhi.councils.verbs import AuditVerb


# ------------------------------------------------------------------------------------------------- helpers
def _user(actor):
    return actor if isinstance(actor, User) and actor.pk else None


def _text(value, limit: int | None = None) -> str:
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _date(value, field: str, label: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(
            _("%(label)s应为日期（YYYY-MM-DD），收到“%(v)s”") % {"label": label, "v": value or ""},
            fields={field: "invalid"},
        ) from None


def _moment(value, field: str, label: str) -> datetime:
    from django.utils import timezone

    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except (TypeError, ValueError):
            raise InvalidInput(
                _("%(label)s应为日期时间（YYYY-MM-DD HH:MM），收到“%(v)s”")
                % {"label": label, "v": value or ""},
                fields={field: "invalid"},
            ) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _coordinate(value, field: str, label: str, low: float, high: float) -> float:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(
            _("%(label)s应为数字，收到“%(v)s”") % {"label": label, "v": value}, fields={field: "invalid"}
        ) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInput(
            _("%(label)s超出范围（%(lo)s～%(hi)s）") % {"label": label, "lo": low, "hi": high},
            fields={field: "invalid"},
        )
    return number


def _point(lon, lat) -> tuple[float | None, float | None]:
    if lon in (None, "") or lat in (None, ""):
        return None, None
    return _coordinate(lon, "lon", _("经度"), -180, 180), _coordinate(lat, "lat", _("纬度"), -90, 90)


def today() -> date:
    from django.utils import timezone

    return timezone.localtime(clock.now()).date()


def min_members() -> int:
    return int(getattr(settings, "JINGZHI_COUNCIL_MIN_MEMBERS", workflow.DEFAULT_MIN_MEMBERS))


def max_members() -> int:
    return int(getattr(settings, "JINGZHI_COUNCIL_MAX_MEMBERS", workflow.DEFAULT_MAX_MEMBERS))


def outside_tolerance_m() -> float:
    """How far outside the street or community a check-in still counts as inside (GPS error, metres)."""
    return float(getattr(settings, "JINGZHI_COUNCIL_CHECKIN_TOLERANCE_M", 150))


def _notify(recipients, *, verb: str, title, body="", link: str = "", target=None) -> None:
    from jingzhi.core.notifications import notify

    people = [u for u in dict.fromkeys(recipients) if u is not None and u.is_active]
    if people:
        notify(recipients=people, verb=verb, title=title, body=body, link=link, target=target)


def _link(name: str, *args) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _area(area_kind: str, area_code: str):
    """The street or community named by code, in the active boundary generation."""
    from jingzhi.geo.queries import place_by_code

    if area_kind not in AreaKind.values:
        raise InvalidInput(_("范围类型应为街巷或社区"), fields={"area_kind": "invalid"})
    place = place_by_code(area_kind, _text(area_code)) if area_code else None
    if place is None:
        raise InvalidInput(
            _("找不到编码为“%(c)s”的%(k)s") % {"c": area_code or "", "k": AreaKind(area_kind).label},
            fields={"area_code": "invalid"},
        )
    return place


def _subdistrict_of(area_kind: str, place) -> str:
    if area_kind == AreaKind.STREET:
        return place.subdistrict.code
    return place.subdistrict.code


def distance_outside_m(area_kind: str, area_code: str, lon: float, lat: float) -> float | None:
    """Metres from (lon, lat) to the council's street (a line: distance to it; a polygon: 0 inside) or
    community (0 inside); None when the place has no geometry."""
    from shapely.geometry import Point, shape

    from jingzhi.geo.queries import place_by_code

    place = place_by_code(area_kind, area_code)
    if place is None or not place.geometry:
        return None
    geom = shape(place.geometry)
    kx, ky = 111_320 * math.cos(math.radians(lat)), 110_540
    point = Point(lon, lat)
    if geom.geom_type in ("Polygon", "MultiPolygon") and geom.contains(point):
        return 0.0
    target = geom.boundary if geom.geom_type in ("Polygon", "MultiPolygon") else geom
    nearest = target.interpolate(target.project(point))
    return round(math.hypot((nearest.x - lon) * kx, (nearest.y - lat) * ky), 1)


def _lock_council(council_id: RowId, actor) -> Council:
    council = Council.objects.select_for_update(of=("self",)).filter(pk=parse_id(council_id)).first()
    if council is None or (actor is not None and not permissions.can_view_council(actor, council)):
        raise permissions._not_found(_("理事会"), council_id)
    return council


def _check_composition(roles: list[str], *, creating: bool) -> None:
    problems = workflow.composition_problems(roles, min_members=min_members(), max_members=max_members())
    if not creating:
        problems = [p for p in problems if p != "too_few_members"]
    if not problems:
        return
    messages = {
        "no_chief": _("理事会必须有一名理事长"),
        "two_chiefs": _("理事会只能有一名理事长"),
        "two_secretaries": _("理事会只能有一名秘书长"),
        "too_many_members": _("除理事长和秘书长外，理事最多%(n)d人") % {"n": max_members()},
        "too_few_members": _("除理事长和秘书长外，理事至少%(n)d人") % {"n": min_members()},
    }
    raise CompositionInvalid(
        "；".join(messages[p] for p in problems),
        fields={"members": [messages[p] for p in problems]},
        details={"problems": problems},
    )


# --------------------------------------------------------------------------------------------------- councils
def _member_role(user: User, area_kind: str, area_code: str):
    from jingzhi.accounts.actions import do_assign_role

    return do_assign_role(
        actor=None, user=user, role="council_member", scope_kind=area_kind, scope_code=area_code
    )


def _release_role(member: CouncilMember) -> None:
    from jingzhi.accounts.actions import do_revoke_role

    if not member.role_assignment_id:
        return
    others = CouncilMember.objects.filter(
        user_id=member.user_id, is_active=True, council__area_code=member.council.area_code
    ).exclude(pk=member.pk)
    if not others.exists():
        do_revoke_role(actor=None, assignment=member.role_assignment)


def do_create_council(
    *,
    actor: Actor,
    name: str,
    area_kind: str,
    area_code: str,
    members: list[dict],
    term_start=None,
    term_end=None,
    holiday_policy: str = HolidayPolicy.PATROL,
    outside_policy: str = OutsidePolicy.WARN,
    per_day: int = 1,
    checklist: list[str] | None = None,
) -> Council:
    """A council with its founding members: each a dict with `user`, `role` (chief/secretary/member) and
    `kind`. One chief, at most one secretary-general, 3–5 ordinary members (settings)."""
    name = _text(name, 100)
    if not name:
        raise InvalidInput(_("请填写理事会名称"), fields={"name": "required"})
    place = _area(area_kind, area_code)
    if actor is not None and not permissions.can_administer(actor, place.code):
        raise PermissionDenied(
            _("只有%(p)s所在街道或区的管理员可以成立理事会") % {"p": place.name},
            fields={"area_code": "forbidden"},
        )
    if holiday_policy not in HolidayPolicy.values:
        raise InvalidInput(_("节假日安排应为照常巡查或不排班"), fields={"holiday_policy": "invalid"})
    if outside_policy not in OutsidePolicy.values:
        raise InvalidInput(_("范围外签到的处理应为提示或拒绝"), fields={"outside_policy": "invalid"})
    try:
        per_day = int(per_day)
    except (TypeError, ValueError):
        per_day = 0
    if not 1 <= per_day <= 5:
        raise InvalidInput(_("每日巡查人数应为1～5"), fields={"per_day": "invalid"})
    users: list[tuple[User, str, str]] = []
    for n, spec in enumerate(members or [], start=1):
        user, role, kind = (
            spec.get("user"),
            spec.get("role", MemberRole.MEMBER),
            spec.get("kind") or "resident",
        )
        if not isinstance(user, User) or not user.is_active:
            raise InvalidInput(_("第%(n)d位成员的账号无效") % {"n": n}, fields={"members": "invalid"})
        if role not in MemberRole.values:
            raise InvalidInput(_("第%(n)d位成员的职务无效") % {"n": n}, fields={"members": "invalid"})
        if kind not in MemberKind.values:
            raise InvalidInput(_("第%(n)d位成员的身份无效") % {"n": n}, fields={"members": "invalid"})
        if any(u.pk == user.pk for u, _r, _k in users):
            raise InvalidInput(
                _("%(u)s重复列出") % {"u": user.display_name or user.username},
                fields={"members": "duplicate"},
            )
        users.append((user, role, kind))
    _check_composition([r for _u, r, _k in users], creating=True)
    start = _date(term_start or today(), "term_start", _("本届开始日期"))
    end = _date(term_end, "term_end", _("本届结束日期")) if term_end else None
    if end is not None and end <= start:
        raise InvalidInput(_("本届结束日期应晚于开始日期"), fields={"term_end": "invalid"})
    items = [_text(c, 60) for c in (checklist or []) if _text(c)]
    with transaction.atomic():
        council = Council.objects.create(
            name=name,
            area_kind=area_kind,
            area_code=place.code,
            area_name=place.name,
            subdistrict_code=_subdistrict_of(area_kind, place),
            term_start=start,
            term_end=end,
            holiday_policy=holiday_policy,
            outside_policy=outside_policy,
            per_day=per_day,
            checklist=items or default_checklist(),
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.COUNCIL_CREATED,
            target=council,
            new={"name": name, "area": place.code, "members": [u.pk for u, _r, _k in users]},
        )
        for position, (user, role, kind) in enumerate(users):
            _join(actor, council, user, role, kind, start, position)
    return council


def default_checklist() -> list[str]:
    return [
        str(_("路面是否整洁、无堆物堆料")),
        str(_("有无乱停车、占道经营")),
        str(_("公共设施（井盖、路灯、垃圾桶）是否完好")),
        str(_("有无私搭乱建、开墙打洞")),
    ]


def _join(actor, council, user, role, kind, on, position) -> CouncilMember:
    member = CouncilMember.objects.create(
        council=council,
        user=user,
        role=role,
        kind=kind,
        position=position,
        joined_on=on,
        role_assignment=_member_role(user, council.area_kind, council.area_code),
    )
    MembershipChange.objects.create(member=member, kind=MembershipChange.Kind.JOINED, on=on, new_role=role)
    audit.record(
        actor=_user(actor),
        verb=AuditVerb.MEMBER_JOINED,
        target=member,
        new={"council": council.pk, "user": user.pk, "role": role, "on": on},
    )
    return member


def do_add_member(
    *,
    actor: Actor,
    council_id: RowId,
    user: User,
    role: str = "member",
    kind: str = "resident",
    joined_on=None,
) -> CouncilMember:
    if not isinstance(user, User) or not user.is_active:
        raise InvalidInput(_("请选择在用的账号"), fields={"user": "invalid"})
    if role not in MemberRole.values:
        raise InvalidInput(_("职务无效"), fields={"role": "invalid"})
    if kind not in MemberKind.values:
        raise InvalidInput(_("身份无效"), fields={"kind": "invalid"})
    on = _date(joined_on or today(), "joined_on", _("加入日期"))
    with transaction.atomic():
        council = _lock_council(council_id, actor)
        if actor is not None and not permissions.can_manage_council(actor, council):
            raise PermissionDenied(_("只有理事会所在街道或区的管理员可以调整成员"))
        active = list(council.members.filter(is_active=True))
        if any(m.user_id == user.pk for m in active):
            raise Conflict(_("%(u)s已是本理事会成员") % {"u": user.display_name or user.username})
        _check_composition([m.role for m in active] + [role], creating=False)
        position = max([m.position for m in active], default=-1) + 1
        return _join(actor, council, user, role, kind, on, position)


def _lock_member(member_id: RowId, actor) -> CouncilMember:
    member = (
        CouncilMember.objects.select_for_update(of=("self",))
        .select_related("council", "user")
        .filter(pk=parse_id(member_id))
        .first()
    )
    if member is None or (actor is not None and not permissions.can_view_council(actor, member.council)):
        raise permissions._not_found(_("理事会成员"), member_id)
    return member


def do_remove_member(*, actor: Actor, member_id: RowId, left_on=None, reason: str = "") -> CouncilMember:
    on = _date(left_on or today(), "left_on", _("退出日期"))
    with transaction.atomic():
        member = _lock_member(member_id, actor)
        if actor is not None and not permissions.can_manage_council(actor, member.council):
            raise PermissionDenied(_("只有理事会所在街道或区的管理员可以调整成员"))
        if not member.is_active:
            return member
        if member.role == MemberRole.CHIEF:
            raise CompositionInvalid(_("理事长不能直接退出：请先任命新的理事长"), fields={"member": "chief"})
        member.is_active, member.left_on = False, on
        member.save(update_fields=["is_active", "left_on"])
        MembershipChange.objects.create(
            member=member,
            kind=MembershipChange.Kind.LEFT,
            on=on,
            old_role=member.role,
            note=_text(reason, 200),
        )
        _release_role(member)
        # Shifts after the day they left go back to the rotation: the organisers regenerate or swap them.
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.MEMBER_LEFT,
            target=member,
            old={"is_active": True},
            new={"is_active": False, "left_on": on},
            note=_text(reason, 200),
        )
    return member


def do_change_member_role(*, actor: Actor, member_id: RowId, role: str, on=None) -> CouncilMember:
    """A new chief takes over from the old one, who becomes an ordinary member (both recorded)."""
    if role not in MemberRole.values:
        raise InvalidInput(_("职务无效"), fields={"role": "invalid"})
    day = _date(on or today(), "on", _("变更日期"))
    with transaction.atomic():
        member = _lock_member(member_id, actor)
        council = member.council
        if actor is not None and not permissions.can_manage_council(actor, council):
            raise PermissionDenied(_("只有理事会所在街道或区的管理员可以调整职务"))
        if not member.is_active:
            raise InvalidInput(_("该成员已退出理事会"), fields={"member": "inactive"})
        if member.role == role:
            return member
        active = list(council.members.select_for_update(of=("self",)).filter(is_active=True))
        changes = [(member, role)]
        if role in (MemberRole.CHIEF, MemberRole.SECRETARY):
            changes += [(m, MemberRole.MEMBER) for m in active if m.role == role and m.pk != member.pk]
        new_roles = {m.pk: r for m, r in changes}
        _check_composition([new_roles.get(m.pk, m.role) for m in active], creating=False)
        for m, r in changes:
            old = m.role
            m.role = r
            m.save(update_fields=["role"])
            MembershipChange.objects.create(
                member=m, kind=MembershipChange.Kind.ROLE, on=day, old_role=old, new_role=r
            )
            audit.record(
                actor=_user(actor),
                verb=AuditVerb.MEMBER_ROLE_CHANGED,
                target=m,
                old={"role": old},
                new={"role": r},
            )
    return member


def do_update_council_settings(
    *, actor: Actor, council_id: RowId, holiday_policy=None, outside_policy=None, per_day=None, checklist=None
) -> Council:
    with transaction.atomic():
        council = _lock_council(council_id, actor)
        if actor is not None and not permissions.can_manage_council(actor, council):
            raise PermissionDenied(_("只有理事会所在街道或区的管理员可以修改设置"))
        old, new = {}, {}
        if holiday_policy is not None:
            if holiday_policy not in HolidayPolicy.values:
                raise InvalidInput(_("节假日安排应为照常巡查或不排班"), fields={"holiday_policy": "invalid"})
            old["holiday_policy"], new["holiday_policy"] = council.holiday_policy, holiday_policy
        if outside_policy is not None:
            if outside_policy not in OutsidePolicy.values:
                raise InvalidInput(_("范围外签到的处理应为提示或拒绝"), fields={"outside_policy": "invalid"})
            old["outside_policy"], new["outside_policy"] = council.outside_policy, outside_policy
        if per_day is not None:
            try:
                per_day = int(per_day)
            except (TypeError, ValueError):
                per_day = 0
            if not 1 <= per_day <= 5:
                raise InvalidInput(_("每日巡查人数应为1～5"), fields={"per_day": "invalid"})
            old["per_day"], new["per_day"] = council.per_day, per_day
        if checklist is not None:
            old["checklist"], new["checklist"] = (
                council.checklist,
                [_text(c, 60) for c in checklist if _text(c)],
            )
        changed = {k: v for k, v in new.items() if old[k] != v}
        if not changed:
            return council
        for k, v in changed.items():
            setattr(council, k, v)
        council.save(update_fields=list(changed))
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.COUNCIL_SETTINGS,
            target=council,
            old={k: old[k] for k in changed},
            new=changed,
        )
    return council


def do_declare_unavailable(*, actor: Actor, member_id: RowId, days, note: str = "") -> list[Unavailability]:
    """The member (or the council's organisers) declares days the member cannot patrol."""
    parsed = sorted({_date(d, "days", _("日期")) for d in (days or [])})
    if not parsed:
        raise InvalidInput(_("请选择不能巡查的日期"), fields={"days": "required"})
    with transaction.atomic():
        member = _lock_member(member_id, actor)
        if actor is not None and not (
            member.user_id == actor.pk or permissions.can_organise(actor, member.council)
        ):
            raise PermissionDenied(_("只能为自己登记不能巡查的日期"))
        out = []
        for d in parsed:
            row, created = Unavailability.objects.get_or_create(
                member=member, day=d, defaults={"note": _text(note, 100)}
            )
            out.append(row)
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.UNAVAILABLE_DECLARED,
            target=member,
            new={"days": [d.isoformat() for d in parsed]},
        )
    return out


# ---------------------------------------------------------------------------------------------------- rosters
def _month(value) -> date:
    if isinstance(value, date):
        return value.replace(day=1)
    text = _text(value)
    try:
        return date.fromisoformat(f"{text}-01" if len(text) == 7 else text).replace(day=1)
    except ValueError:
        raise InvalidInput(
            _("月份应为 YYYY-MM，收到“%(v)s”") % {"v": text}, fields={"month": "invalid"}
        ) from None


def holidays_in(days) -> set[date]:
    """The official holidays among `days`, from the working calendar (a non-working day with a holiday name)."""
    from jingzhi.core import workcalendar

    out = set()
    for d in days:
        info = workcalendar.day_info(d)
        if not info.is_workday and info.name:
            out.add(d)
    return out


def do_generate_roster(*, actor: Actor, council_id: RowId, month) -> Roster:
    """Generate (or regenerate, while unpublished) the month's daily rotation."""
    first = _month(month)
    with transaction.atomic():
        council = _lock_council(council_id, actor)
        if actor is not None and not permissions.can_organise(actor, council):
            raise PermissionDenied(_("只有理事长、秘书长或管理员可以排班"))
        existing = Roster.objects.select_for_update(of=("self",)).filter(council=council, month=first).first()
        if existing is not None and existing.published_at is not None:
            raise Conflict(
                _("%(m)s的排班表已发布，不能重新生成；请用换班调整") % {"m": f"{first:%Y-%m}"},
                fields={"month": "published"},
            )
        members = list(council.members.filter(is_active=True).order_by("position", "id"))
        if not members:
            raise InvalidInput(_("理事会没有在任成员，无法排班"), fields={"council": "empty"})
        # A roster made mid-month starts today: days already gone cannot be patrolled (nor be "missed").
        days = [d for d in workflow.month_days(first) if d >= today()]
        if not days:
            raise InvalidInput(
                _("%(m)s已经过去，不能再排班") % {"m": f"{first:%Y-%m}"}, fields={"month": "past"}
            )
        away: dict[int, set[date]] = {}
        for member_id, day in Unavailability.objects.filter(
            member__in=members, day__gte=days[0], day__lte=days[-1]
        ).values_list("member_id", "day"):
            away.setdefault(member_id, set()).add(day)
        last = (
            Shift.objects.filter(council=council, day__lt=first)
            .order_by("-day", "-id")
            .values_list("member_id", flat=True)
        ).first()
        order = workflow.rotated([m.pk for m in members], last)
        try:
            result = workflow.generate_roster(
                days,
                order,
                away,
                holidays=holidays_in(days),
                holiday_policy=council.holiday_policy,
                per_day=council.per_day,
            )
        except workflow.RosterInfeasible as exc:
            raise RosterUncoverable(exc.days, exc.per_day) from None
        if existing is not None:
            existing.shifts.all().delete()
            roster = existing
            roster.holiday_policy = council.holiday_policy
            roster.skipped_days = [d.isoformat() for d in result.skipped]
            roster.created_by = _user(actor)
            roster.save(update_fields=["holiday_policy", "skipped_days", "created_by"])
        else:
            roster = Roster.objects.create(
                council=council,
                month=first,
                holiday_policy=council.holiday_policy,
                skipped_days=[d.isoformat() for d in result.skipped],
                created_by=_user(actor),
            )
        Shift.objects.bulk_create(
            [
                Shift(roster=roster, council=council, day=d, member_id=m)
                for d, on in sorted(result.shifts.items())
                for m in on
            ]
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.ROSTER_GENERATED,
            target=roster,
            new={
                "month": f"{first:%Y-%m}",
                "counts": {str(k): v for k, v in sorted(result.counts().items())},
                "skipped": roster.skipped_days,
            },
        )
    return roster


def do_publish_roster(*, actor: Actor, roster_id: RowId) -> Roster:
    with transaction.atomic():
        roster = (
            Roster.objects.select_for_update(of=("self",))
            .select_related("council")
            .filter(pk=parse_id(roster_id))
            .first()
        )
        if roster is None or (actor is not None and not permissions.can_view_council(actor, roster.council)):
            raise permissions._not_found(_("排班表"), roster_id)
        if actor is not None and not permissions.can_organise(actor, roster.council):
            raise PermissionDenied(_("只有理事长、秘书长或管理员可以发布排班表"))
        if roster.published_at is not None:
            return roster
        roster.published_at = clock.now()
        roster.save(update_fields=["published_at"])
        audit.record(
            actor=_user(actor), verb=AuditVerb.ROSTER_PUBLISHED, target=roster, new={"published": True}
        )
        council = roster.council
        month = roster.month
        people = [m.user for m in council.members.select_related("user").filter(is_active=True)]
        _notify(
            people,
            verb="roster_published",
            title=lambda: _("%(c)s %(m)s巡查排班表已发布") % {"c": council.name, "m": f"{month:%Y-%m}"},
            link=_link("web:council_roster", council.pk),
            target=roster,
        )
    return roster


def _on_duty(shift: Shift, member: CouncilMember) -> bool:
    return Shift.objects.filter(roster_id=shift.roster_id, day=shift.day, member=member).exists()


def do_request_swap(*, actor: Actor, shift_id: RowId, to_member_id: RowId, reason: str = "") -> Swap:
    """Hand a shift to another member; the chief approves. Refused when that member is already on duty
    that day, has declared the day unavailable, or is not an active member of the council."""
    with transaction.atomic():
        shift = (
            Shift.objects.select_for_update(of=("self",))
            .select_related("member", "council")
            .filter(pk=parse_id(shift_id))
            .first()
        )
        if shift is None or (
            actor is not None
            and not (
                permissions.can_patrol(actor, shift) or permissions.can_view_council(actor, shift.council)
            )
        ):
            raise permissions._not_found(_("巡查班次"), shift_id)
        if actor is not None and not (
            shift.member.user_id == actor.pk or permissions.can_organise(actor, shift.council)
        ):
            raise PermissionDenied(_("只能为自己的班次申请换班"))
        if shift.day < today():
            raise InvalidInput(_("已过去的班次不能换班"), fields={"shift": "past"})
        target = (
            CouncilMember.objects.select_related("user")
            .filter(pk=parse_id(to_member_id), council=shift.council, is_active=True)
            .first()
        )
        if target is None:
            raise InvalidInput(_("请选择本理事会的在任成员"), fields={"to_member": "invalid"})
        _check_swap_target(shift, target)
        if Swap.objects.filter(shift=shift, status=Swap.Status.PENDING).exists():
            raise Conflict(_("该班次已有待审批的换班申请"), fields={"shift": "pending"})
        swap = Swap.objects.create(
            shift=shift, from_member=shift.member, to_member=target, reason=_text(reason, 200)
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.SWAP_REQUESTED,
            target=swap,
            new={"shift": shift.pk, "day": shift.day, "from": shift.member_id, "to": target.pk},
        )
        chiefs = [
            m.user for m in shift.council.members.select_related("user").filter(is_active=True, role="chief")
        ]
        day = shift.day
        _notify(
            chiefs,
            verb="swap_requested",
            title=lambda: _("换班申请：%(d)s") % {"d": day.isoformat()},
            link=_link("web:council_detail", shift.council_id),
            target=swap,
        )
    return swap


def _check_swap_target(shift: Shift, target: CouncilMember) -> None:
    name = target.user.display_name or target.user.username
    if target.pk == shift.member_id or _on_duty(shift, target):
        raise InvalidInput(
            _("%(n)s在%(d)s已有班次，不能再换给他（她）") % {"n": name, "d": shift.day.isoformat()},
            fields={"to_member": "on_duty"},
        )
    if Unavailability.objects.filter(member=target, day=shift.day).exists():
        raise InvalidInput(
            _("%(n)s已登记%(d)s不能巡查") % {"n": name, "d": shift.day.isoformat()},
            fields={"to_member": "unavailable"},
        )


def do_decide_swap(*, actor: Actor, swap_id: RowId, approve: bool) -> Swap:
    with transaction.atomic():
        swap = (
            Swap.objects.select_for_update(of=("self",))
            .select_related("shift__council", "to_member__user", "from_member__user")
            .filter(pk=parse_id(swap_id))
            .first()
        )
        if swap is None or (
            actor is not None and not permissions.can_view_council(actor, swap.shift.council)
        ):
            raise permissions._not_found(_("换班申请"), swap_id)
        if actor is not None and not permissions.can_decide_swap(actor, swap.shift.council):
            raise PermissionDenied(_("换班须经理事长同意"))
        if swap.status != Swap.Status.PENDING:
            raise Conflict(_("该换班申请已审批"), fields={"swap": swap.status})
        shift = Shift.objects.select_for_update(of=("self",)).get(pk=swap.shift_id)
        if approve:
            if hasattr(shift, "round"):
                raise Conflict(_("该班次已开始巡查，不能换班"), fields={"shift": "started"})
            _check_swap_target(shift, swap.to_member)
            shift.member = swap.to_member
            shift.save(update_fields=["member"])
        swap.status = Swap.Status.APPROVED if approve else Swap.Status.REJECTED
        swap.decided_at, swap.decided_by = clock.now(), _user(actor)
        swap.save(update_fields=["status", "decided_at", "decided_by"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.SWAP_DECIDED,
            target=swap,
            old={"status": "pending"},
            new={"status": swap.status, "member": shift.member_id},
        )
        _notify(
            [swap.from_member.user, swap.to_member.user],
            verb="swap_decided",
            title=lambda: (
                (_("换班已同意：%(d)s") if approve else _("换班未同意：%(d)s")) % {"d": shift.day.isoformat()}
            ),
            link=_link("web:council_roster", shift.council_id),
            target=swap,
        )
    return swap


# ---------------------------------------------------------------------------------------------------- patrols
def _lock_shift_for_patrol(actor, shift_id) -> Shift:
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("member__user", "council")
        .filter(pk=parse_id(shift_id))
        .first()
    )
    if shift is None or (
        actor is not None
        and not (permissions.can_patrol(actor, shift) or permissions.can_view_council(actor, shift.council))
    ):
        raise permissions._not_found(_("巡查班次"), shift_id)
    if actor is not None and not permissions.can_patrol(actor, shift):
        raise PermissionDenied(_("只有当班成员本人可以签到巡查"))
    return shift


def _outside(council: Council, lon, lat) -> float | None:
    """Metres beyond the tolerance outside the council's area (None: no location, or inside)."""
    if lon is None:
        return None
    distance = distance_outside_m(council.area_kind, council.area_code, lon, lat)
    if distance is None or distance <= outside_tolerance_m():
        return None
    if council.outside_policy == OutsidePolicy.REFUSE:
        raise OutsideArea(
            _("您的位置距%(a)s约%(d).0f米，超出签到范围（%(m).0f米），请到巡查范围内再签到")
            % {"a": council.area_name, "d": distance, "m": outside_tolerance_m()},
            fields={"lon": "outside", "lat": "outside"},
            details={"distance_m": distance},
        )
    return distance


def do_start_patrol(*, actor: Actor, shift_id: RowId, lon=None, lat=None) -> PatrolRound:
    """Check in on today's shift with the time and the browser's location. Outside the area: recorded with
    the distance (policy 'warn') or refused (policy 'refuse')."""
    x, y = _point(lon, lat)
    with transaction.atomic():
        shift = _lock_shift_for_patrol(actor, shift_id)
        if shift.day != today():
            raise InvalidInput(
                _("只能在班次当天（%(d)s）签到") % {"d": shift.day.isoformat()}, fields={"shift": "not_today"}
            )
        existing = PatrolRound.objects.filter(shift=shift).first()
        if existing is not None:
            return existing
        outside = _outside(shift.council, x, y)
        patrol = PatrolRound.objects.create(
            shift=shift, started_at=clock.now(), start_lon=x, start_lat=y, start_outside_m=outside
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.PATROL_STARTED,
            target=patrol,
            new={"shift": shift.pk, "lon": x, "lat": y, "outside_m": outside},
        )
    return patrol


def _lock_round(actor, shift_id) -> tuple[Shift, PatrolRound]:
    shift = _lock_shift_for_patrol(actor, shift_id)
    patrol = PatrolRound.objects.select_for_update(of=("self",)).filter(shift=shift).first()
    if patrol is None:
        raise InvalidInput(_("请先签到开始巡查"), fields={"shift": "not_started"})
    return shift, patrol


def do_finish_patrol(
    *, actor: Actor, shift_id: RowId, lon=None, lat=None, checklist: dict | None = None, note: str = ""
) -> PatrolRound:
    """Check out: the location, the checklist (item → true/false) and a short note."""
    x, y = _point(lon, lat)
    with transaction.atomic():
        shift, patrol = _lock_round(actor, shift_id)
        if patrol.finished_at is not None:
            return patrol
        items = list(shift.council.checklist)
        answers = {}
        for key, value in (checklist or {}).items():
            if key not in items:
                raise InvalidInput(_("巡查清单中没有“%(k)s”") % {"k": key}, fields={"checklist": "invalid"})
            answers[key] = bool(value) and str(value).lower() not in ("0", "false", "no", "off")
        outside = _outside(shift.council, x, y)
        now = clock.now()
        if now < patrol.started_at:
            raise InvalidInput(_("签退时间不能早于签到时间"), fields={"finished_at": "invalid"})
        patrol.finished_at, patrol.finish_lon, patrol.finish_lat = now, x, y
        patrol.finish_outside_m, patrol.checklist, patrol.note = outside, answers, _text(note, 500)
        patrol.save(
            update_fields=["finished_at", "finish_lon", "finish_lat", "finish_outside_m", "checklist", "note"]
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.PATROL_FINISHED,
            target=patrol,
            new={"shift": shift.pk, "checklist": answers, "outside_m": outside},
        )
        hooks.fire(
            council_hooks.PATROL_FINISHED,
            round_id=patrol.pk,
            council_id=shift.council_id,
            day=shift.day.isoformat(),
        )
    return patrol


def do_report_finding(
    *,
    actor: Actor,
    shift_id: RowId,
    description: str,
    lon=None,
    lat=None,
    category=None,
    photos=(),
    idempotency_key: str = "",
    client_ip: str | None = None,
) -> Finding:
    """A finding on a patrol opens a case in the same step (source 理事会, located and routed as usual)."""
    from jingzhi.cases.actions import do_open_case

    note = _text(description, 500)
    if not note:
        raise InvalidInput(_("请描述发现的问题"), fields={"description": "required"})
    x, y = _point(lon, lat)
    with transaction.atomic():
        shift, patrol = _lock_round(actor, shift_id)
        if patrol.finished_at is not None:
            raise InvalidInput(_("本次巡查已签退，不能再上报发现"), fields={"shift": "finished"})
        if x is None:
            x, y = area_point(shift.council)
        case = do_open_case(
            actor=actor,
            source="council",
            description=note,
            lon=x,
            lat=y,
            address=shift.council.area_name,
            category=category or None,
            photos=photos,
            idempotency_key=idempotency_key or None,
            client_ip=client_ip,
        )
        finding, created = Finding.objects.get_or_create(patrol=patrol, case=case, defaults={"note": note})
        if created:
            audit.record(
                actor=_user(actor),
                verb=AuditVerb.FINDING_REPORTED,
                target=finding,
                new={"round": patrol.pk, "case": case.pk},
            )
    return finding


def area_point(council: Council) -> tuple[float, float]:
    """A point on the council's street (its middle) or inside its community, for a report without a pin."""
    from shapely.geometry import shape

    from jingzhi.geo.queries import place_by_code

    place = place_by_code(council.area_kind, council.area_code)
    if place is None or not place.geometry:
        raise InvalidInput(_("请在地图上标出问题位置"), fields={"lon": "required"})
    geom = shape(place.geometry)
    point = (
        geom.interpolate(0.5, normalized=True)
        if geom.geom_type in ("LineString", "MultiLineString")
        else geom.representative_point()
    )
    return round(point.x, 7), round(point.y, 7)


# --------------------------------------------------------------------------------------------------- meetings
def _department(value, field: str) -> Department:
    dept = value if isinstance(value, Department) else Department.objects.filter(pk=parse_id(value)).first()
    if dept is None or not dept.is_active:
        raise InvalidInput(_("部门“%(d)s”不存在或已停用") % {"d": value}, fields={field: "invalid"})
    return dept


def do_record_meeting(
    *,
    actor: Actor,
    kind: str,
    title: str,
    held_at,
    council_id: RowId | None = None,
    area_code: str = "",
    location: str = "",
    agenda: list[dict] | None = None,
    invited_departments=(),
    attendance: list[dict] | None = None,
    decisions: list[str] | None = None,
    minutes: str = "",
    property_company_id: RowId | None = None,
) -> Meeting:
    """A council meeting (of `council_id`), a joint meeting convened by a subdistrict (`area_code`, with
    invited departments), or a community–property meeting (`area_code` a community, `property_company_id`).
    Agenda items may link a case or a whistle by id; attendance rows name a person or a department."""
    from jingzhi.cases.models import Case, Whistle

    if kind not in MeetingKind.values:
        raise InvalidInput(_("会议类型无效"), fields={"kind": "invalid"})
    title = _text(title, 200)
    if not title:
        raise InvalidInput(_("请填写会议议题"), fields={"title": "required"})
    when = _moment(held_at, "held_at", _("会议时间"))
    council = company = None
    if kind == MeetingKind.COUNCIL:
        council = Council.objects.filter(pk=parse_id(council_id)).first() if council_id else None
        if council is None or (actor is not None and not permissions.can_view_council(actor, council)):
            raise InvalidInput(_("请选择理事会"), fields={"council": "invalid"})
        area_code = council.area_code
    else:
        area_code = _text(area_code)
        if not area_code:
            raise InvalidInput(_("请选择召集的街道或社区"), fields={"area_code": "required"})
    if kind == MeetingKind.PROPERTY:
        company = (
            PropertyCompany.objects.filter(pk=parse_id(property_company_id)).first()
            if property_company_id
            else None
        )
        if company is None:
            raise InvalidInput(_("请选择物业公司"), fields={"property_company": "invalid"})
    if actor is not None:
        allowed = (
            permissions.can_organise(actor, council)
            if council
            else permissions.can_administer(actor, area_code)
        )
        if not allowed:
            raise PermissionDenied(_("只有理事长、秘书长或街道、区管理员可以记录会议"), fields={"kind": kind})
    departments = [_department(d, "invited_departments") for d in invited_departments or ()]
    agenda_rows = []
    for n, item in enumerate(agenda or [], start=1):
        text = _text(item.get("title"), 200)
        case = whistle = None
        if item.get("case"):
            case = Case.objects.filter(pk=parse_id(item["case"])).first()
            if case is None or not _case_in(case, area_code):
                raise InvalidInput(
                    _("第%(n)d项议程关联的案件不存在或不在本辖区") % {"n": n}, fields={"agenda": "invalid"}
                )
            text = text or f"{case.number} {case.description[:40]}"
        if item.get("whistle"):
            whistle = Whistle.objects.filter(pk=parse_id(item["whistle"])).first()
            if whistle is None:
                raise InvalidInput(
                    _("第%(n)d项议程关联的吹哨不存在") % {"n": n}, fields={"agenda": "invalid"}
                )
            text = text or str(whistle)
        if not text:
            raise InvalidInput(_("第%(n)d项议程没有内容") % {"n": n}, fields={"agenda": "required"})
        agenda_rows.append((text, case, whistle))
    people = []
    for n, row in enumerate(attendance or [], start=1):
        dept = _department(row["department"], "attendance") if row.get("department") else None
        user = row.get("user") if isinstance(row.get("user"), User) else None
        name = (
            _text(row.get("name"), 100)
            or (user.display_name or user.username if user else "")
            or (dept.name if dept else "")
        )
        if not name:
            raise InvalidInput(
                _("第%(n)d位参会人没有姓名或单位") % {"n": n}, fields={"attendance": "required"}
            )
        people.append((dept, user, name, bool(row.get("present", True))))
    with transaction.atomic():
        meeting = Meeting.objects.create(
            kind=kind,
            council=council,
            area_code=area_code,
            title=title,
            held_at=when,
            location=_text(location, 200),
            minutes=_text(minutes),
            property_company=company,
            created_by=_user(actor),
        )
        if departments:
            meeting.invited_departments.set(departments)
        AgendaItem.objects.bulk_create(
            [
                AgendaItem(meeting=meeting, title=t, case=c, whistle=w, position=i)
                for i, (t, c, w) in enumerate(agenda_rows)
            ]
        )
        Attendance.objects.bulk_create(
            [Attendance(meeting=meeting, department=d, user=u, name=nm, present=p) for d, u, nm, p in people]
        )
        Decision.objects.bulk_create(
            [
                Decision(meeting=meeting, text=_text(t, 500), position=i)
                for i, t in enumerate(decisions or [])
                if _text(t)
            ]
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.MEETING_RECORDED,
            target=meeting,
            new={
                "kind": kind,
                "area": area_code,
                "title": title,
                "agenda": len(agenda_rows),
                "departments": [d.pk for d in departments],
            },
        )
    return meeting


def _case_in(case, area_code: str) -> bool:
    codes = [case.street_code, case.community_code, case.subdistrict_code, case.district_code, case.grid_code]
    return any(c and c.startswith(area_code) for c in codes)


def do_update_minutes(
    *, actor: Actor, meeting_id: RowId, minutes: str, decisions: list[str] | None = None
) -> Meeting:
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("council")
            .filter(pk=parse_id(meeting_id))
            .first()
        )
        if meeting is None or (actor is not None and not permissions.can_view_meeting(actor, meeting)):
            raise permissions._not_found(_("会议"), meeting_id)
        if actor is not None and not permissions.can_record_meeting(actor, meeting):
            raise PermissionDenied(_("只有会议组织者可以修改纪要"))
        old = meeting.minutes
        meeting.minutes = _text(minutes)
        meeting.save(update_fields=["minutes"])
        added = []
        if decisions:
            start = meeting.decisions.count()
            added = Decision.objects.bulk_create(
                [
                    Decision(meeting=meeting, text=_text(t, 500), position=start + i)
                    for i, t in enumerate(decisions)
                    if _text(t)
                ]
            )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.MEETING_MINUTES,
            target=meeting,
            old={"minutes_chars": len(old)},
            new={"minutes_chars": len(meeting.minutes), "decisions_added": len(added)},
        )
    return meeting


def do_add_action_item(
    *,
    actor: Actor,
    meeting_id: RowId,
    title: str,
    due_on,
    owner_user: User | None = None,
    owner_department=None,
    decision_id: RowId | None = None,
    case_id: RowId | None = None,
    open_case: dict | None = None,
) -> ActionItem:
    """An action item with an owner (a person or a department) and a due date, followed until done. It may
    follow an existing case (`case_id`) or open one (`open_case`: description, lon, lat, category)."""
    from jingzhi.cases.models import Case

    title = _text(title, 300)
    problems = {}
    if not title:
        problems["title"] = [_("请填写任务内容")]
    if owner_user is None and not owner_department:
        problems["owner"] = [_("请指定责任人或责任部门")]
    if due_on in (None, ""):
        problems["due_on"] = [_("请填写完成时限")]
    if problems:
        raise InvalidInput("；".join(p[0] for p in problems.values()), fields=problems)
    due = _date(due_on, "due_on", _("完成时限"))
    if owner_user is not None and (not isinstance(owner_user, User) or not owner_user.is_active):
        raise InvalidInput(_("责任人账号无效"), fields={"owner": "invalid"})
    dept = _department(owner_department, "owner") if owner_department else None
    with transaction.atomic():
        meeting = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("council")
            .filter(pk=parse_id(meeting_id))
            .first()
        )
        if meeting is None or (actor is not None and not permissions.can_view_meeting(actor, meeting)):
            raise permissions._not_found(_("会议"), meeting_id)
        if actor is not None and not permissions.can_record_meeting(actor, meeting):
            raise PermissionDenied(_("只有会议组织者可以布置任务"))
        if due < meeting.held_at.date():
            raise InvalidInput(_("完成时限不能早于会议日期"), fields={"due_on": "invalid"})
        decision = None
        if decision_id:
            decision = meeting.decisions.filter(pk=parse_id(decision_id)).first()
            if decision is None:
                raise InvalidInput(_("决定事项不属于本次会议"), fields={"decision": "invalid"})
        case = None
        if case_id:
            case = Case.objects.filter(pk=parse_id(case_id)).first()
            if case is None or not _case_in(case, meeting.area_code):
                raise InvalidInput(_("案件不存在或不在本会议的辖区"), fields={"case": "invalid"})
        elif open_case:
            from jingzhi.cases.actions import do_open_case

            case = do_open_case(
                actor=None,
                source="council" if meeting.kind == MeetingKind.COUNCIL else "leader",
                description=_text(open_case.get("description")) or title,
                lon=open_case.get("lon"),
                lat=open_case.get("lat"),
                address=_text(open_case.get("address"), 200),
                category=open_case.get("category"),
            )
        item = ActionItem.objects.create(
            meeting=meeting,
            decision=decision,
            title=title,
            owner_user=owner_user,
            owner_department=dept,
            due_on=due,
            case=case,
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.ACTION_ITEM_ADDED,
            target=item,
            new={
                "meeting": meeting.pk,
                "owner_user": getattr(owner_user, "pk", None),
                "owner_department": getattr(dept, "pk", None),
                "due_on": due,
                "case": getattr(case, "pk", None),
            },
        )
        if owner_user is not None:
            _notify(
                [owner_user],
                verb="action_item_assigned",
                title=lambda: _("会议任务：%(t)s（%(d)s前完成）") % {"t": title, "d": due.isoformat()},
                link=_link("web:meeting_detail", meeting.pk),
                target=item,
            )
    return item


def do_complete_action_item(*, actor: Actor, item_id: RowId, note: str = "") -> ActionItem:
    with transaction.atomic():
        item = (
            ActionItem.objects.select_for_update(of=("self",))
            .select_related("meeting__council")
            .filter(pk=parse_id(item_id))
            .first()
        )
        if item is None or (
            actor is not None
            and not (
                permissions.can_close_item(actor, item) or permissions.can_view_meeting(actor, item.meeting)
            )
        ):
            raise permissions._not_found(_("会议任务"), item_id)
        if actor is not None and not permissions.can_close_item(actor, item):
            raise PermissionDenied(_("只有责任人或会议组织者可以办结任务"))
        if item.status == ActionItem.Status.DONE:
            return item
        item.status, item.done_at, item.done_note = ActionItem.Status.DONE, clock.now(), _text(note, 300)
        item.save(update_fields=["status", "done_at", "done_note"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.ACTION_ITEM_DONE,
            target=item,
            old={"status": "open"},
            new={"status": "done"},
            note=item.done_note,
        )
        hooks.fire(council_hooks.ACTION_ITEM_DONE, item_id=item.pk, meeting_id=item.meeting_id)
    return item


def close_items_of_closed_case(*, case_id: int, **_payload) -> None:
    """Hook receiver (cases' case_closed): open action items following that case are done."""
    for item_id in ActionItem.objects.filter(case_id=case_id, status=ActionItem.Status.OPEN).values_list(
        "pk", flat=True
    ):
        do_complete_action_item(actor=None, item_id=item_id, note=str(_("关联案件已结案")))


# ------------------------------------------------------------------------------------------ property companies
def do_register_property_company(
    *,
    actor: Actor,
    name: str,
    code: str,
    subdistrict_code: str,
    places=(),
    contact: str = "",
    phone: str = "",
    categories=(),
) -> PropertyCompany:
    """A property company becomes a handling party: a department row (so cases are dispatched to it with
    the same deadlines and ratings) and the communities or streets it manages.

    `categories` (case category codes, e.g. the property problems its contract covers) put it on the
    responsibility list: one duty rule per managed place and category naming the company, so routing sends
    those cases in those places to it (a community or street rule is more specific than the departments'
    district-wide rules). Everything is written in one transaction, or nothing."""
    from jingzhi.accounts.actions import do_create_department
    from jingzhi.duties.actions import do_create_duty_rule
    from jingzhi.geo.queries import place_by_code
    from jingzhi.taxonomy.models import Category

    name = _text(name, 100)
    if not name:
        raise InvalidInput(_("请填写物业公司名称"), fields={"name": "required"})
    sub = place_by_code("subdistrict", _text(subdistrict_code))
    if sub is None:
        raise InvalidInput(
            _("找不到街道“%(c)s”") % {"c": subdistrict_code}, fields={"subdistrict_code": "invalid"}
        )
    if actor is not None and not permissions.can_administer(actor, sub.code):
        raise PermissionDenied(_("只有该街道或区的管理员可以登记物业公司"))
    codes, kinds = [], {}
    for c in places or ():
        c = _text(c)
        kind = "community" if place_by_code("community", c) is not None else "street"
        if not c.startswith(sub.code) or (kind == "street" and place_by_code("street", c) is None):
            raise InvalidInput(
                _("“%(c)s”不是%(s)s的社区或街巷") % {"c": c, "s": sub.name}, fields={"places": "invalid"}
            )
        codes.append(c)
        kinds[c] = kind
    wanted = list(dict.fromkeys(_text(c) for c in categories or () if _text(c)))
    found = {c.code: c for c in Category.objects.filter(code__in=wanted, is_active=True)}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise InvalidInput(
            _("找不到或已停用的案件分类：%(c)s") % {"c": "、".join(unknown)}, fields={"categories": "invalid"}
        )
    if wanted and not codes:
        raise InvalidInput(_("纳入职责清单须先填写物业公司管理的社区或街巷"), fields={"places": "required"})
    with transaction.atomic():
        dept = do_create_department(
            actor=None,
            code=_text(code, 32),
            name=name,
            district_code=sub.district.code,
            phone=_text(phone, 32),
        )
        company = PropertyCompany.objects.create(
            name=name, department=dept, subdistrict_code=sub.code, places=codes, contact=_text(contact, 50)
        )
        rules = []
        for place in codes:
            for code in wanted:
                rules.append(
                    do_create_duty_rule(
                        actor=_user(actor),
                        category=found[code],
                        scope_kind=kinds[place],
                        scope_code=place,
                        departments=[dept],
                        basis=_("物业公司登记：%(name)s 承办其管理区域内的物业问题") % {"name": name},
                    ).pk
                )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.PROPERTY_COMPANY_REGISTERED,
            target=company,
            new={
                "name": name,
                "department": dept.pk,
                "places": codes,
                "categories": wanted,
                "duty_rules": rules,
            },
        )
    return company


# ------------------------------------------------------------------------------- 在职党员回社区报到
def do_register_party_member(
    *, actor: Actor, community_code: str, organisation: str, unit_name: str = "", user: User | None = None
) -> PartyMember:
    """A party member registers with their home community (once per community), naming their unit's party
    organisation. The system (or an admin of the community) may register on someone's behalf."""
    from jingzhi.geo.queries import place_by_code

    person = user or _user(actor)
    if person is None:
        raise InvalidInput(_("请指定报到的党员"), fields={"user": "required"})
    if actor is not None and person.pk != actor.pk and not permissions.can_administer(actor, community_code):
        raise PermissionDenied(_("只能为自己报到"))
    community = place_by_code("community", _text(community_code))
    if community is None:
        raise InvalidInput(
            _("找不到社区“%(c)s”") % {"c": community_code}, fields={"community_code": "invalid"}
        )
    org_name = _text(organisation, 100)
    if not org_name:
        raise InvalidInput(_("请填写所在单位党组织"), fields={"organisation": "required"})
    with transaction.atomic():
        if PartyMember.objects.filter(user=person, community_code=community.code).exists():
            raise Conflict(
                _("您已在%(c)s报到，无需重复报到") % {"c": community.name},
                fields={"community_code": "duplicate"},
            )
        org, _created = PartyOrganisation.objects.get_or_create(
            name=org_name, defaults={"unit_name": _text(unit_name, 100) or org_name}
        )
        try:
            with transaction.atomic():
                member = PartyMember.objects.create(
                    user=person, organisation=org, community_code=community.code, registered_on=today()
                )
        except IntegrityError:
            raise Conflict(
                _("您已在%(c)s报到，无需重复报到") % {"c": community.name},
                fields={"community_code": "duplicate"},
            ) from None
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.PARTY_MEMBER_REGISTERED,
            target=member,
            new={"community": community.code, "organisation": org.pk, "user": person.pk},
        )
    return member


def do_publish_task(
    *, actor: Actor, community_code: str, kind: str, title: str, starts_at, ends_at, slots: int = 5
) -> CommunityTask:
    from jingzhi.geo.queries import place_by_code

    community = place_by_code("community", _text(community_code))
    if community is None:
        raise InvalidInput(
            _("找不到社区“%(c)s”") % {"c": community_code}, fields={"community_code": "invalid"}
        )
    if actor is not None and not permissions.can_publish_tasks(actor, community.code):
        raise PermissionDenied(_("只有该社区所在街道或区的管理员可以发布任务"))
    if kind not in TaskKind.values:
        raise InvalidInput(_("任务类型无效"), fields={"kind": "invalid"})
    title = _text(title, 200)
    if not title:
        raise InvalidInput(_("请填写任务内容"), fields={"title": "required"})
    start, end = _moment(starts_at, "starts_at", _("开始时间")), _moment(ends_at, "ends_at", _("结束时间"))
    if end <= start:
        raise InvalidInput(_("结束时间应晚于开始时间"), fields={"ends_at": "invalid"})
    try:
        slots = int(slots)
    except (TypeError, ValueError):
        slots = 0
    if not 1 <= slots <= 500:
        raise InvalidInput(_("名额应为1～500"), fields={"slots": "invalid"})
    with transaction.atomic():
        task = CommunityTask.objects.create(
            community_code=community.code,
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=end,
            slots=slots,
            created_by=_user(actor),
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.TASK_PUBLISHED,
            target=task,
            new={"community": community.code, "kind": kind, "title": title},
        )
    return task


def do_sign_up(*, actor: Actor, task_id: RowId, user: User | None = None) -> TaskSignup:
    person = user or _user(actor)
    with transaction.atomic():
        task = CommunityTask.objects.select_for_update(of=("self",)).filter(pk=parse_id(task_id)).first()
        if task is None:
            raise permissions._not_found(_("社区任务"), task_id)
        member = (
            PartyMember.objects.filter(user=person, community_code=task.community_code).first()
            if person
            else None
        )
        if member is None:
            raise permissions._not_found(_("社区任务"), task_id)
        existing = TaskSignup.objects.filter(task=task, member=member).first()
        if existing is not None:
            return existing
        if task.signups.count() >= task.slots:
            raise Conflict(_("该任务名额已满"), fields={"task": "full"})
        if task.ends_at <= clock.now():
            raise InvalidInput(_("该任务已结束"), fields={"task": "ended"})
        signup = TaskSignup.objects.create(task=task, member=member)
        audit.record(actor=_user(actor), verb=AuditVerb.TASK_SIGNED_UP, target=signup, new={"task": task.pk})
    return signup


def _lock_signup(actor, signup_id) -> TaskSignup:
    signup = (
        TaskSignup.objects.select_for_update(of=("self",))
        .select_related("task", "member")
        .filter(pk=parse_id(signup_id))
        .first()
    )
    if signup is None or (
        actor is not None
        and signup.member.user_id != actor.pk
        and not permissions.can_publish_tasks(actor, signup.task.community_code)
    ):
        raise permissions._not_found(_("任务报名"), signup_id)
    return signup


def do_task_check_in(*, actor: Actor, signup_id: RowId) -> TaskSignup:
    with transaction.atomic():
        signup = _lock_signup(actor, signup_id)
        if signup.checked_in_at is not None:
            return signup
        signup.checked_in_at = clock.now()
        signup.save(update_fields=["checked_in_at"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.TASK_CHECKED_IN,
            target=signup,
            new={"at": signup.checked_in_at},
        )
    return signup


def do_task_check_out(*, actor: Actor, signup_id: RowId) -> TaskSignup:
    with transaction.atomic():
        signup = _lock_signup(actor, signup_id)
        if signup.checked_in_at is None:
            raise InvalidInput(_("请先签到，再签退"), fields={"signup": "not_checked_in"})
        if signup.checked_out_at is not None:
            return signup
        now = clock.now()
        if now < signup.checked_in_at:
            raise InvalidInput(_("签退时间不能早于签到时间"), fields={"signup": "invalid"})
        signup.checked_out_at = now
        signup.hours = Decimal(str(workflow.volunteer_hours((now - signup.checked_in_at).total_seconds())))
        signup.save(update_fields=["checked_out_at", "hours"])
        audit.record(
            actor=_user(actor), verb=AuditVerb.TASK_CHECKED_OUT, target=signup, new={"hours": signup.hours}
        )
    return signup


__all__ = [name for name in dir() if name.startswith("do_")] + [
    "close_items_of_closed_case",
    "distance_outside_m",
    "holidays_in",
    "today",
    "NotFound",
]
