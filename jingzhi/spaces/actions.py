"""The only code that writes 腾退空间's tables.

Every `do_*` checks its input completely before writing, then writes inside one `transaction.atomic()` with
an audit row (old and new values) per change and, for a space, an entry in its own history (who, when, why).
`actor` None is the system (the demo, commands): it passes permission checks but still leaves audit rows.
Spaces are located by `geo.locate` (outside every grid is refused); the state follows the transition table
in `workflow.py`; the next re-check is counted on the working calendar from the rules in `RecheckRule` (or
the defaults in workflow). A re-check that finds a space re-occupied records 反弹 and opens a case through
`cases.actions.do_open_case`, filed under the 十无 category of the space's origin, so the responsibility list
routes it like any other. Imports (the ledger, service points) are all or nothing with every bad row named.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

import numpy as np
import shapely
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhi.accounts.models import User
from jingzhi.core import audit, clock, hooks, tabular, workcalendar
from jingzhi.core.errors import Conflict, InvalidInput, PermissionDenied
from jingzhi.core.ids import parse_id
from jingzhi.core.types import Actor
from jingzhi.spaces import coverage, permissions, workflow
from jingzhi.spaces.exceptions import (
    LedgerImportError,
    NetworkImportError,
    OutsideEveryGrid,
    PointImportError,
    SafetyRecordRequired,
    TransitionRefused,
)
from jingzhi.spaces.hooks import SPACE_REBOUNDED, SPACE_STATE_CHANGED, SPACES_REGISTERED
from jingzhi.spaces.models import (
    CommunityPopulation,
    CoverageMonth,
    FollowUp,
    Livelihood,
    Merchant,
    Recheck,
    RecheckRule,
    ServiceKind,
    ServicePoint,
    Space,
    SpaceEvent,
    SupportItem,
    Use,
    WalkNetwork,
)
from jingzhi.spaces.verbs import AuditVerb
from jingzhi.spaces.workflow import Origin, State

DEFAULT_USES = [
    (
        "convenience",
        "便民服务",
        ["vegetables", "convenience_store", "breakfast", "housekeeping", "hairdresser", "repair", "pharmacy"],
    ),
    ("elderly", "养老", ["elderly_station"]),
    ("green", "留白增绿", []),
    ("parking", "停车", []),
    ("culture_sport", "文化体育", []),
    ("community", "社区配套", ["elderly_station", "repair"]),
]
DEFAULT_SERVICE_KINDS = [
    ("vegetables", "菜站"),
    ("convenience_store", "便利店"),
    ("breakfast", "早餐"),
    ("housekeeping", "家政"),
    ("hairdresser", "美发"),
    ("repair", "维修"),
    ("elderly_station", "养老驿站"),
    ("pharmacy", "药店"),
]


def _user(actor):
    return actor if isinstance(actor, User) and actor.pk else None


def _text(value, limit: int | None = None) -> str:
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _event(
    space: Space, kind: str, *, actor, reason: str = "", from_state: str = "", to_state: str = ""
) -> None:
    SpaceEvent.objects.create(
        space=space,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        actor=_user(actor),
        actor_label=(str(actor) if actor is not None else _("系统"))[:150],
    )


def _values(space: Space) -> dict:
    return {
        "number": space.number,
        "name": space.name,
        "address": space.address,
        "lon": space.lon,
        "lat": space.lat,
        "grid_code": space.grid_code,
        "area_m2": str(space.area_m2),
        "underground": space.underground,
        "origin": space.origin,
        "owner": space.owner,
        "manager": space.manager,
        "vacated_on": space.vacated_on.isoformat() if space.vacated_on else None,
        "state": space.state,
        "planned_use": space.planned_use.code if space.planned_use_id else None,
        "actual_use": space.actual_use.code if space.actual_use_id else None,
        "project_ref": space.project_ref,
        "next_recheck_on": space.next_recheck_on.isoformat() if space.next_recheck_on else None,
    }


# ------------------------------------------------------------------------------------------------ parsing
def parse_area(value) -> Decimal:
    try:
        area = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("面积应为数字（平方米），收到“%(v)s”") % {"v": value}, fields={"area_m2": [_("应为数字")]}
        ) from None
    if not area.is_finite() or area <= 0:
        raise InvalidInput(
            _("面积应大于 0 平方米，收到 %(v)s") % {"v": value}, fields={"area_m2": [_("应大于 0")]}
        )
    if area >= Decimal("1e10"):
        raise InvalidInput(_("面积过大：%(v)s 平方米") % {"v": value}, fields={"area_m2": [_("过大")]})
    return area.quantize(Decimal("0.01"))


def parse_date(value, field_name: str, label: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(
            _("%(label)s应为日期（YYYY-MM-DD），收到“%(v)s”") % {"label": label, "v": value},
            fields={field_name: [_("应为日期")]},
        ) from None


def parse_origin(value) -> str:
    text = _text(value)
    for code, label in Origin.choices:
        if text in (code, str(label)):
            return code
    raise InvalidInput(
        _("来源“%(v)s”无效，可选：%(all)s")
        % {"v": text, "all": "、".join(str(label) for _c, label in Origin.choices)},
        fields={"origin": [_("无效的来源")]},
    )


def _geometry(geometry, lon, lat) -> tuple[dict, float, float]:
    """The stored GeoJSON and its representative point, from a geometry (Point/Polygon/MultiPolygon) or a
    lon/lat pair."""
    if geometry:
        try:
            raw = geometry if isinstance(geometry, str) else json.dumps(geometry)
            shape = shapely.from_geojson(raw)
        except Exception:  # noqa: BLE001 - shapely raises several kinds for malformed GeoJSON
            raise InvalidInput(_("位置应为 GeoJSON 点或面"), fields={"geometry": [_("无法解析")]}) from None
        if (
            shape.geom_type not in ("Point", "Polygon", "MultiPolygon")
            or shape.is_empty
            or not shape.is_valid
        ):
            raise InvalidInput(
                _("位置应为有效的 GeoJSON 点或面（收到 %(t)s）") % {"t": shape.geom_type},
                fields={"geometry": [_("应为点或面")]},
            )
        point = shape if shape.geom_type == "Point" else shapely.point_on_surface(shape)
        return json.loads(shapely.to_geojson(shape)), float(point.x), float(point.y)
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise InvalidInput(
            _("请给出位置：经纬度或 GeoJSON 点/面"), fields={"lon": [_("应为数字")], "lat": [_("应为数字")]}
        ) from None
    if not (np.isfinite(x) and np.isfinite(y) and abs(x) <= 180 and abs(y) <= 90):
        raise InvalidInput(
            _("经纬度超出范围（经度 -180～180，纬度 -90～90）"),
            fields={"lon": [_("超出范围")], "lat": [_("超出范围")]},
        )
    return {"type": "Point", "coordinates": [x, y]}, x, y


def _locate(lon: float, lat: float) -> dict:
    from jingzhi.geo.locate import locate

    where = locate(lon, lat)
    if not where.inside:
        raise OutsideEveryGrid(
            where.message or _("该位置不在任何网格内"), fields={"geometry": [_("不在任何网格内")]}
        )
    return {
        "grid_code": where.grid["code"],
        "grid_name": where.grid["name"],
        "community_code": where.community["code"],
        "community_name": where.community["name"],
        "subdistrict_code": where.subdistrict["code"],
        "subdistrict_name": where.subdistrict["name"],
        "district_code": where.district["code"] if where.district else "",
    }


def _use(value, field_name: str) -> Use | None:
    if value in (None, ""):
        return None
    if isinstance(value, Use):
        return value
    text = _text(value)
    use = (
        Use.objects.filter(is_active=True).filter(code=text).first()
        or Use.objects.filter(is_active=True, name=text).first()
        or (Use.objects.filter(is_active=True, pk=parse_id(text)).first() if parse_id(text) else None)
    )
    if use is None:
        names = "、".join(Use.objects.filter(is_active=True).values_list("name", flat=True))
        raise InvalidInput(
            _("用途“%(v)s”不在用途列表中，可选：%(all)s") % {"v": text, "all": names or _("（列表为空）")},
            fields={field_name: [_("不在用途列表中")]},
        )
    return use


# ------------------------------------------------------------------------------------------- re-check plan
def _rules() -> list[tuple[str, str, int]]:
    return list(RecheckRule.objects.values_list("state", "origin", "working_days"))


def _add_working_days(day: date, days: int) -> date:
    start = timezone.make_aware(datetime.combine(day, time(9, 0)))
    return workcalendar.add_working_days(start, days).date()


def _plan_recheck(space: Space, from_day: date, rules=None) -> None:
    space.next_recheck_on = workflow.next_recheck(
        from_day, space.state, space.origin, _add_working_days, _rules() if rules is None else rules
    )


def _next_number(day: date) -> str:
    prefix = f"KJ{day:%Y}"
    last = (
        Space.objects.select_for_update()
        .filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{seq:04d}"


# --------------------------------------------------------------------------------------------- registering
def _check_space_input(
    *, actor, name, address, area_m2, origin, vacated_on, lon=None, lat=None, geometry=None
) -> dict:
    name, address = _text(name, 100), _text(address, 200)
    fields = {}
    if not name:
        fields["name"] = [_("名称不能为空")]
    if not address:
        fields["address"] = [_("地址不能为空")]
    if fields:
        raise InvalidInput(
            _("请填写：%(f)s") % {"f": "、".join(v[0] for v in fields.values())}, fields=fields
        )
    area = parse_area(area_m2)
    origin = parse_origin(origin)
    vacated = parse_date(vacated_on, "vacated_on", _("腾退日期"))
    if vacated > workcalendar.today():
        raise InvalidInput(_("腾退日期不能晚于今天"), fields={"vacated_on": [_("不能晚于今天")]})
    geo, x, y = _geometry(geometry, lon, lat)
    place = _locate(x, y)
    person = _user(actor)
    if person is not None:
        _require(
            permissions.can_register_at(person, place["community_code"]),
            _("您无权在%(c)s登记腾退空间") % {"c": place["community_name"]},
        )
    return {
        "name": name,
        "address": address,
        "area_m2": area,
        "origin": origin,
        "vacated_on": vacated,
        "geometry": geo,
        "lon": x,
        "lat": y,
        **place,
    }


def _create(
    values: dict, *, actor, underground, owner, manager, note, number, planned_use=None, rules=None
) -> Space:
    today = workcalendar.today()
    given = _text(number, 32)
    space = Space(
        number=given,
        underground=bool(underground),
        owner=_text(owner, 100),
        manager=_text(manager, 100),
        note=_text(note),
        planned_use=planned_use,
        **values,
    )
    _plan_recheck(space, today, rules)
    # Two registrations at the same moment may read the same last number (PostgreSQL's FOR UPDATE locks only
    # the rows that exist); the unique number then refuses the second, which takes the next one.
    for attempt in range(5):
        if not given:
            space.number = _next_number(today)
        try:
            with transaction.atomic():
                space.save()
            break
        except IntegrityError:
            if given or attempt == 4:
                raise Conflict(
                    _("编号 %(n)s 已被占用，请重试") % {"n": space.number},
                    fields={"number": [_("编号已存在")]},
                ) from None
    _event(space, SpaceEvent.Kind.REGISTERED, actor=actor, to_state=space.state)
    audit.record(actor=actor, verb=AuditVerb.SPACE_REGISTERED, target=space, new=_values(space))
    return space


def do_register_space(
    *,
    actor: Actor,
    name: str,
    address: str,
    area_m2,
    origin: str,
    vacated_on,
    lon=None,
    lat=None,
    geometry=None,
    underground: bool = False,
    owner: str = "",
    manager: str = "",
    note: str = "",
    number: str = "",
    planned_use=None,
    photos=(),
) -> Space:
    """Register a vacated space (state 腾退). Refused: zero or negative area, a location outside every grid,
    a vacating date in the future, an actor who is not an admin of the place."""
    from jingzhi.core.attachments import do_store_image, prepare_images

    values = _check_space_input(
        actor=actor,
        name=name,
        address=address,
        area_m2=area_m2,
        origin=origin,
        vacated_on=vacated_on,
        lon=lon,
        lat=lat,
        geometry=geometry,
    )
    use = _use(planned_use, "planned_use")
    if number and Space.objects.filter(number=_text(number, 32)).exists():
        raise InvalidInput(_("编号 %(n)s 已存在") % {"n": number}, fields={"number": [_("编号已存在")]})
    prepared = prepare_images(photos)
    with transaction.atomic():
        space = _create(
            values,
            actor=actor,
            underground=underground,
            owner=owner,
            manager=manager,
            note=note,
            number=number,
            planned_use=use,
        )
        for image in prepared:
            do_store_image(actor=_user(actor), upload=image, owner=space, kind="space")
        _fire_registered([space])
    return space


def _fire_registered(spaces: list[Space]) -> None:
    hooks.fire(
        SPACES_REGISTERED,
        space_ids=[s.pk for s in spaces],
        vacated_on=[s.vacated_on.isoformat() for s in spaces if s.vacated_on],
    )


EDITABLE = (
    "name",
    "address",
    "owner",
    "manager",
    "note",
    "project_ref",
    "area_m2",
    "planned_use",
    "actual_use",
)


def do_edit_space(*, actor: Actor, space_id, reason: str = "", expected_version=None, **changes) -> Space:
    """Change a space's descriptive fields (not its state: `do_change_space_state`)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidInput(
            _("不能修改的字段：%(f)s") % {"f": "、".join(unknown)},
            fields={f: [_("不可修改")] for f in unknown},
        )
    clean: dict = {}
    for key, value in changes.items():
        if key == "area_m2":
            clean[key] = parse_area(value)
        elif key in ("planned_use", "actual_use"):
            clean[key] = _use(value, key)
        elif key in ("name", "address") and not _text(value):
            raise InvalidInput(
                _("%(f)s不能为空") % {"f": Space._meta.get_field(key).verbose_name},
                fields={key: [_("不能为空")]},
            )
        else:
            limit = getattr(Space._meta.get_field(key), "max_length", None)
            clean[key] = _text(value, limit)
    with transaction.atomic():
        space = permissions.access_space(_user(actor), space_id, for_update=True)
        if _user(actor) is not None:
            _require(permissions.can_manage_space(actor, space), _("您无权修改该腾退空间"))
        _check_version(space, expected_version)
        old = _values(space)
        for key, value in clean.items():
            setattr(space, key, value)
        new = _values(space)
        if new == old:
            return space
        space.version += 1
        space.updated_at = timezone.now()
        space.save()
        changed = [k for k in new if new[k] != old[k]]
        _event(
            space,
            SpaceEvent.Kind.EDITED,
            actor=actor,
            reason=_text(reason) or _("修改：%(f)s") % {"f": "、".join(changed)},
        )
        audit.record(
            actor=actor,
            verb=AuditVerb.SPACE_EDITED,
            target=space,
            old={k: old[k] for k in changed},
            new={k: new[k] for k in changed},
        )
    return space


def _check_version(space: Space, expected_version) -> None:
    if expected_version not in (None, "") and parse_id(expected_version) != space.version:
        raise Conflict(details={"version": space.version})


def do_record_safety(*, actor: Actor, space_id, record: str) -> Space:
    """Record the safety conditions of an underground space's use (fire, ventilation, exits)."""
    record = _text(record)
    if len(record) < 4:
        raise InvalidInput(
            _("请写明安全条件（消防、通风、疏散等）"), fields={"safety_record": [_("不能为空")]}
        )
    with transaction.atomic():
        space = permissions.access_space(_user(actor), space_id, for_update=True)
        if _user(actor) is not None:
            _require(permissions.can_manage_space(actor, space), _("您无权登记该空间的安全条件"))
        old = {"safety_record": space.safety_record}
        space.safety_record = record
        space.safety_recorded_at = timezone.now()
        space.version += 1
        space.save(update_fields=["safety_record", "safety_recorded_at", "version"])
        _event(space, SpaceEvent.Kind.SAFETY, actor=actor, reason=record)
        audit.record(
            actor=actor, verb=AuditVerb.SAFETY_RECORDED, target=space, old=old, new={"safety_record": record}
        )
    return space


def do_change_space_state(
    *,
    actor: Actor,
    space_id,
    to_state: str,
    reason: str,
    planned_use=None,
    actual_use=None,
    expected_version=None,
) -> Space:
    """Move a space along the transition table, with a reason. Uses may be set in the same step (a space
    goes into 规划中 with its planned use, into 利用中 with its actual use). Refused with the states allowed
    now: a pair the table does not have, 反弹 by hand, 利用中 for underground space without its safety record."""
    reason = _text(reason)
    if not reason:
        raise InvalidInput(_("请说明状态变更的原因"), fields={"reason": [_("不能为空")]})
    planned = _use(planned_use, "planned_use")
    actual = _use(actual_use, "actual_use")
    with transaction.atomic():
        space = permissions.access_space(_user(actor), space_id, for_update=True)
        if _user(actor) is not None:
            _require(permissions.can_manage_space(actor, space), _("您无权变更该腾退空间的状态"))
        _check_version(space, expected_version)
        planned = planned or space.planned_use
        actual = actual or space.actual_use
        refusal = workflow.transition_problem(
            space.state,
            to_state,
            underground=space.underground,
            safety_recorded=bool(space.safety_record),
            planned_use=planned is not None,
            actual_use=actual is not None,
        )
        if refusal is not None:
            error = SafetyRecordRequired if refusal.code == "safety_required" else TransitionRefused
            raise error(
                refusal.message,
                code=refusal.code,
                fields={"to_state": [refusal.message]},
                details={"allowed": list(refusal.allowed)},
            )
        old = _values(space)
        from_state = space.state
        space.state = to_state
        space.planned_use = planned
        space.actual_use = actual if to_state == State.IN_USE or space.actual_use_id else space.actual_use
        space.version += 1
        space.updated_at = timezone.now()
        _plan_recheck(space, workcalendar.today())
        space.save()
        _event(
            space,
            SpaceEvent.Kind.TRANSITION,
            actor=actor,
            reason=reason,
            from_state=from_state,
            to_state=to_state,
        )
        audit.record(
            actor=actor,
            verb=AuditVerb.SPACE_TRANSITIONED,
            target=space,
            old=old,
            new=_values(space),
            note=reason,
        )
        hooks.fire(SPACE_STATE_CHANGED, space_id=space.pk, from_state=from_state, to_state=to_state)
    return space


# ------------------------------------------------------------------------------------------------ re-checks
def _case_source(actor) -> str:
    from jingzhi.cases.permissions import sources_for

    person = _user(actor)
    if person is None:
        return "patrol"
    allowed = sources_for(person)
    for source in ("inspector", "patrol"):
        if source in allowed:
            return source
    return allowed[0] if allowed else "patrol"


def do_record_recheck(
    *, actor: Actor, space_id, checked_on, outcome: str, note: str = "", photos=(), lon=None, lat=None
) -> Recheck:
    """Record a re-check (动态清零). `clear` confirms the space is still free and plans the next one;
    `reoccupied` records 反弹 (from any state) and opens a case routed by the responsibility list, with the
    photos. Refused: a date before the space was vacated or in the future; 反弹 without a note."""
    from jingzhi.core.attachments import do_store_image, prepare_images

    day = parse_date(checked_on, "checked_on", _("复查日期"))
    if outcome not in Recheck.Outcome.values:
        raise InvalidInput(_("复查结果应为“未反弹”或“已反弹”"), fields={"outcome": [_("无效的结果")]})
    note = _text(note)
    if outcome == Recheck.Outcome.REOCCUPIED and not note:
        raise InvalidInput(_("记录反弹时请说明被占用的情况"), fields={"note": [_("不能为空")]})
    if day > workcalendar.today():
        raise InvalidInput(_("复查日期不能晚于今天"), fields={"checked_on": [_("不能晚于今天")]})
    x = y = None
    if lon not in (None, "") and lat not in (None, ""):
        _geo, x, y = _geometry(None, lon, lat)
    prepared = prepare_images(photos)
    with transaction.atomic():
        space = permissions.access_space(_user(actor), space_id, for_update=True)
        if _user(actor) is not None:
            _require(permissions.can_recheck_space(actor, space), _("您无权复查该腾退空间"))
        if day < space.vacated_on:
            raise InvalidInput(
                _("复查日期 %(d)s 早于该空间的腾退日期 %(v)s")
                % {"d": day.isoformat(), "v": space.vacated_on.isoformat()},
                fields={"checked_on": [_("早于腾退日期")]},
            )
        old = _values(space)
        recheck = Recheck.objects.create(
            space=space, checked_on=day, outcome=outcome, note=note, lon=x, lat=y, checker=_user(actor)
        )
        for image in prepared:
            do_store_image(actor=_user(actor), upload=image, owner=recheck, kind="recheck")
        from_state = space.state
        if outcome == Recheck.Outcome.REOCCUPIED:
            recheck.case = _open_rebound_case(space, recheck, actor=actor, photos=prepared)
            recheck.save(update_fields=["case"])
            space.state = State.REBOUND
        space.last_recheck_on = max(day, space.last_recheck_on or day)
        _plan_recheck(space, space.last_recheck_on)
        space.version += 1
        space.updated_at = timezone.now()
        space.save()
        label = str(Recheck.Outcome(outcome).label)
        _event(
            space,
            SpaceEvent.Kind.RECHECK,
            actor=actor,
            reason=f"{label}：{note}" if note else label,
            from_state=from_state,
            to_state=space.state if space.state != from_state else "",
        )
        audit.record(
            actor=actor,
            verb=AuditVerb.RECHECK_RECORDED,
            target=space,
            old=old,
            new={**_values(space), "recheck": recheck.pk, "outcome": outcome, "case": recheck.case_id},
            note=note,
        )
        if space.state != from_state:
            hooks.fire(SPACE_STATE_CHANGED, space_id=space.pk, from_state=from_state, to_state=space.state)
            hooks.fire(SPACE_REBOUNDED, space_id=space.pk, recheck_id=recheck.pk, case_id=recheck.case_id)
    return recheck


def _open_rebound_case(space: Space, recheck: Recheck, *, actor, photos):
    from jingzhi.cases.actions import do_open_case
    from jingzhi.taxonomy.queries import shiwu_category

    category = shiwu_category(workflow.REBOUND_ITEM[Origin(space.origin)])
    description = _(
        "【腾退空间反弹】%(number)s %(name)s（%(origin)s，%(area)s 平方米）复查发现被重新占用：%(note)s"
    ) % {
        "number": space.number,
        "name": space.name,
        "origin": space.get_origin_display(),
        "area": space.area_m2,
        "note": recheck.note,
    }
    lon, lat = (recheck.lon, recheck.lat) if recheck.lon is not None else (space.lon, space.lat)
    return do_open_case(
        actor=actor,
        source=_case_source(actor),
        description=description,
        lon=lon,
        lat=lat,
        address=space.address,
        category=category,
        idempotency_key=f"spaces:recheck:{recheck.pk}",
        photos=photos,
    )


# ------------------------------------------------------------------------------------------------ ledger
LEDGER_COLUMNS = [
    tabular.Column("number", "编号", ("number",), parse=tabular.text(32)),
    tabular.Column("name", "名称", ("name",), required=True, needed=True, parse=tabular.text(100)),
    tabular.Column("address", "地址", ("address",), required=True, needed=True, parse=tabular.text(200)),
    tabular.Column("lon", "经度", ("lon", "longitude"), required=True, needed=True, parse=tabular.number),
    tabular.Column("lat", "纬度", ("lat", "latitude"), required=True, needed=True, parse=tabular.number),
    tabular.Column(
        "area_m2",
        "面积（平方米）",
        ("面积", "area", "area_m2"),
        required=True,
        needed=True,
        parse=tabular.text(),
    ),
    tabular.Column("level", "地上/地下", ("地上地下", "level"), parse=tabular.text(), default="地上"),
    tabular.Column("origin", "来源", ("origin",), required=True, needed=True, parse=tabular.text()),
    tabular.Column("owner", "产权单位", ("owner",), parse=tabular.text(100), default=""),
    tabular.Column("manager", "管理单位", ("manager",), parse=tabular.text(100), default=""),
    tabular.Column(
        "vacated_on", "腾退日期", ("vacated_on",), required=True, needed=True, parse=tabular.a_date
    ),
    tabular.Column("planned_use", "规划用途", ("planned_use",), parse=tabular.text(), default=""),
    # Columns an exported ledger carries; an import reads past them (state and place come from the system).
    tabular.Column("state", "状态", ("state",)),
    tabular.Column("actual_use", "实际用途", ("actual_use",)),
    tabular.Column("community", "社区", ("community",)),
    tabular.Column("subdistrict", "街道", ("subdistrict",)),
    tabular.Column("next_recheck_on", "下次复查日期", ("next_recheck_on",)),
]


def do_import_ledger(*, actor: Actor, file) -> list[Space]:
    """Register every row of a ledger spreadsheet (.xlsx or CSV) as a new space, or nothing: every bad row
    is listed with its row number and why (bad area, unknown origin, outside every grid, a number already
    used or repeated, a place the actor does not administer)."""
    problems = tabular.Problems(LedgerImportError)
    book = tabular.open_book(file, error=LedgerImportError)
    rows = tabular.read_sheet(book.sheets[book.first()], LEDGER_COLUMNS, problems)
    checked = []
    seen: dict[str, int] = {}
    numbers = [r["number"] for r in rows if r.get("number")]
    taken = set(Space.objects.filter(number__in=numbers).values_list("number", flat=True))
    for row in rows:
        if not row.ok:
            continue
        try:
            level = _text(row["level"]) or "地上"
            if level not in ("地上", "地下", "above", "above ground", "underground"):
                raise InvalidInput(_("地上/地下应填“地上”或“地下”，收到“%(v)s”") % {"v": level})
            number = _text(row["number"])
            if number and number in taken:
                raise InvalidInput(_("编号 %(n)s 已登记") % {"n": number})
            if number and number in seen:
                raise InvalidInput(_("编号 %(n)s 与第 %(r)d 行重复") % {"n": number, "r": seen[number]})
            if number:
                seen[number] = row.number
            values = _check_space_input(
                actor=actor,
                name=row["name"],
                address=row["address"],
                area_m2=row["area_m2"],
                origin=row["origin"],
                vacated_on=row["vacated_on"],
                lon=row["lon"],
                lat=row["lat"],
            )
            use = _use(row["planned_use"], "planned_use")
            checked.append((values, level in ("地下", "underground"), row, number, use))
        except (InvalidInput, PermissionDenied) as exc:
            problems.add(exc.message, row=row.number)
    if not rows and not problems:
        problems.add(_("台账中没有数据行"))
    problems.raise_if_any()
    rules = _rules()
    with transaction.atomic():
        created = [
            _create(
                values,
                actor=actor,
                underground=under,
                owner=row["owner"],
                manager=row["manager"],
                note="",
                number=number,
                planned_use=use,
                rules=rules,
            )
            for values, under, row, number, use in checked
        ]
        audit.record(
            actor=actor,
            verb=AuditVerb.LEDGER_IMPORTED,
            target=("spaces.ledger", workcalendar.today().isoformat()),
            new={"spaces": [s.number for s in created]},
            note=_("导入台账 %(n)d 条") % {"n": len(created)},
        )
        _fire_registered(created)
    return created


# ---------------------------------------------------------------------------------------- service points
POINT_COLUMNS = [
    tabular.Column(
        "kind", "业态", ("类型", "kind", "type"), required=True, needed=True, parse=tabular.text()
    ),
    tabular.Column("name", "名称", ("name",), required=True, needed=True, parse=tabular.text(100)),
    tabular.Column("address", "地址", ("address",), parse=tabular.text(200), default=""),
    tabular.Column("lon", "经度", ("lon", "longitude"), required=True, needed=True, parse=tabular.number),
    tabular.Column("lat", "纬度", ("lat", "latitude"), required=True, needed=True, parse=tabular.number),
]


def _point_rows_from_geojson(data: bytes, problems: tabular.Problems) -> list[tuple[int, dict]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        features = doc["features"] if doc.get("type") == "FeatureCollection" else [doc]
    except (ValueError, KeyError, AttributeError, UnicodeDecodeError):
        problems.add(_("GeoJSON 文件无法解析：应为要素集合（FeatureCollection）"))
        return []
    out = []
    for n, feature in enumerate(features, start=1):
        props = (feature or {}).get("properties") or {}
        geom = (feature or {}).get("geometry") or {}
        coords = geom.get("coordinates") if geom.get("type") == "Point" else None
        if not coords or len(coords) < 2:
            problems.add(_("第 %(n)d 个要素不是点") % {"n": n}, where="")
            continue
        out.append(
            (
                n,
                {
                    "kind": props.get("kind") or props.get("业态") or props.get("类型") or "",
                    "name": props.get("name") or props.get("名称") or "",
                    "address": props.get("address") or props.get("地址") or "",
                    "lon": coords[0],
                    "lat": coords[1],
                },
            )
        )
    return out


def do_import_service_points(
    *, actor: Actor, file, filename: str = "", replace: bool = False
) -> list[ServicePoint]:
    """Import service points from a spreadsheet or a GeoJSON file of points, all or nothing. With
    `replace`, the kinds present in the file lose their existing points first (a fresh register)."""
    person = _user(actor)
    if person is not None:
        _require(permissions.can_configure(person), _("只有区管理员可以导入便民网点"))
    data = file if isinstance(file, bytes) else file.read()
    problems = tabular.Problems(PointImportError)
    is_json = filename.lower().endswith((".geojson", ".json")) or data.lstrip()[:1] == b"{"
    if is_json:
        rows = _point_rows_from_geojson(data, problems)
        place = lambda n: {"where": _("第 %(n)d 个要素") % {"n": n}}  # noqa: E731
    else:
        book = tabular.open_book(data, error=PointImportError)
        rows = [
            (r.number, r.values)
            for r in tabular.read_sheet(book.sheets[book.first()], POINT_COLUMNS, problems)
            if r.ok
        ]
        place = lambda n: {"row": n}  # noqa: E731
    kinds = {k.code: k for k in ServiceKind.objects.filter(is_active=True)}
    kinds.update({k.name: k for k in kinds.values()})
    from jingzhi.geo.locate import locate_many

    good = []
    for n, values in rows:
        kind = kinds.get(_text(values["kind"]))
        name = _text(values["name"], 100)
        try:
            lon, lat = float(values["lon"]), float(values["lat"])
            ok_xy = abs(lon) <= 180 and abs(lat) <= 90
        except (TypeError, ValueError):
            ok_xy = False
        if kind is None:
            problems.add(
                _("业态“%(v)s”不在业态列表中，可选：%(all)s")
                % {
                    "v": values["kind"],
                    "all": "、".join(k.name for k in ServiceKind.objects.filter(is_active=True)),
                },
                **place(n),
            )
        elif not name:
            problems.add(_("名称不能为空"), **place(n))
        elif not ok_xy:
            problems.add(_("经纬度无效"), **place(n))
        else:
            good.append((n, kind, name, _text(values["address"], 200), lon, lat))
    if not rows and not problems:
        problems.add(_("文件中没有网点"))
    problems.raise_if_any()
    where = locate_many([(g[4], g[5]) for g in good])
    for g, loc in zip(good, where, strict=True):
        if not loc.inside:
            problems.add(
                _("位置不在任何网格内（经度 %(x).6f，纬度 %(y).6f）") % {"x": g[4], "y": g[5]}, **place(g[0])
            )
    problems.raise_if_any()
    with transaction.atomic():
        if replace:
            ServicePoint.objects.filter(kind__in={g[1] for g in good}).delete()
        created = ServicePoint.objects.bulk_create(
            ServicePoint(
                kind=kind,
                name=name,
                address=address,
                lon=lon,
                lat=lat,
                community_code=loc.community["code"],
                grid_code=loc.grid["code"],
                source=_text(filename, 200),
            )
            for (_n, kind, name, address, lon, lat), loc in zip(good, where, strict=True)
        )
        audit.record(
            actor=actor,
            verb=AuditVerb.POINTS_IMPORTED,
            target=("spaces.servicepoints", _text(filename, 100) or "upload"),
            new={"count": len(created), "replace": replace},
            note=_("导入便民网点 %(n)d 个") % {"n": len(created)},
        )
    return created


# ------------------------------------------------------------------------------------------- walking network
def _read_lines(data: bytes, filename: str) -> list:
    """Line geometries (shapely, lon/lat) from a GeoJSON or GeoPackage file."""
    if filename.lower().endswith(".gpkg") or data[:16].startswith(b"SQLite format 3"):
        import pyogrio

        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "network.gpkg")
            with open(path, "wb") as out:
                out.write(data)
            try:
                _meta, _fids, wkb, _fields = pyogrio.raw.read(path)
            except Exception:  # noqa: BLE001 - GDAL raises its own errors for a broken file
                raise NetworkImportError(
                    _("GeoPackage 文件无法读取"), fields={"file": [_("无法读取")]}
                ) from None
        geoms = shapely.from_wkb(wkb)
    else:
        try:
            geoms = np.array(
                [shapely.from_geojson(io.BytesIO(data).read().decode("utf-8-sig"))], dtype=object
            )
        except Exception:  # noqa: BLE001
            raise NetworkImportError(
                _("路网文件应为 GeoJSON 或 GeoPackage"), fields={"file": [_("无法解析")]}
            ) from None
    parts = []
    for geom in geoms:
        if geom is None:
            continue
        for part in shapely.get_parts(geom):
            for line in shapely.get_parts(part):
                if line.geom_type == "LineString" and not line.is_empty:
                    parts.append(line)
    return parts


# ------------------------------------------------------------------------------ 便民 coverage, month-end record
def _running_month() -> str:
    today = workcalendar.today()
    return f"{today:%Y-%m}"


def do_record_coverage_month(*, actor: Actor = None, month: str | None = None) -> int:
    """Record the running month's 便民 coverage (`CoverageMonth`: every active grid × active service kind,
    covered or not, as `queries.coverage_for` measures it now), replacing that month's earlier record; the
    last record of a month is its month-end state. Only the running month: the service points and walking
    networks of a past month are not kept, so its record cannot be remade. `actor` None is the system (the
    assessment fill); a person must be one who may import service points. The number of rows written."""
    from jingzhi.spaces.queries import coverage_for, service_kinds

    running = _running_month()
    month = (month or running).strip()
    if month != running:
        raise InvalidInput(
            _("只能记录本月（%(m)s）的便民覆盖；过去月份的网点和路网已无从复原，保留其最后一次记录。")
            % {"m": running},
            fields={"month": "not_running"},
        )
    person = _user(actor)
    if person is not None:
        _require(permissions.can_configure(person), _("只有区管理员可以记录便民覆盖"))
    result = coverage_for(None) if service_kinds().exists() else None
    now = clock.now()
    rows = []
    for kind in result.kinds if result is not None else ():
        measured = result.results.get(kind.code)
        for i, grid in enumerate(result.grids):
            covered = bool(measured.covered[i]) if measured is not None else False
            distance = float(measured.distance_m[i]) if measured is not None and covered else None
            rows.append(
                CoverageMonth(
                    month=month,
                    grid_code=grid["code"],
                    grid_name=(grid["name"] or "")[:100],
                    community_code=grid["community_code"],
                    community_name=(grid["community_name"] or "")[:100],
                    subdistrict_code=grid["community_code"][:9],
                    kind_code=kind.code,
                    kind_name=kind.name[:50],
                    covered=covered,
                    distance_m=round(distance) if distance is not None else None,
                    method=result.method[:16],
                    recorded_at=now,
                )
            )
    with transaction.atomic():
        old, _deleted = CoverageMonth.objects.filter(month=month).delete()
        CoverageMonth.objects.bulk_create(rows, batch_size=2000)
        audit.record(
            actor=person,
            verb=AuditVerb.COVERAGE_RECORDED,
            target=("spaces.coveragemonth", month),
            old={"rows": old},
            new={"month": month, "rows": len(rows), "covered": sum(r.covered for r in rows)},
        )
    return len(rows)


def ensure_coverage_month(month: str, *, max_age_hours: float | None = None) -> bool:
    """For the assessment fill: record the running month's coverage when it has no record yet or its record
    is older than `max_age_hours` (setting `JINGZHI_SPACES_COVERAGE_RECORD_HOURS`, default 24); a past month
    is left as recorded. Whether a record was made."""
    from django.conf import settings

    from jingzhi.spaces.queries import service_kinds

    if month != _running_month():
        return False
    if not service_kinds().exists() and not CoverageMonth.objects.filter(month=month).exists():
        return False  # no service kinds to measure: nothing to record (and no grids to load)
    hours = (
        max_age_hours
        if max_age_hours is not None
        else float(getattr(settings, "JINGZHI_SPACES_COVERAGE_RECORD_HOURS", 24))
    )
    latest = (
        CoverageMonth.objects.filter(month=month)
        .order_by("-recorded_at")
        .values_list("recorded_at", flat=True)
    ).first()
    if latest is not None and clock.now() - latest < timedelta(hours=hours):
        return False
    do_record_coverage_month(actor=None, month=month)
    return True


def do_import_walk_network(*, actor: Actor, file, filename: str = "network.geojson") -> WalkNetwork:
    """Import a walking network (lines). It is checked against the active grids at once: when it leaves
    grids unreachable, it is kept with the reason and coverage is computed by straight line, labelled."""
    person = _user(actor)
    if person is not None:
        _require(permissions.can_configure(person), _("只有区管理员可以导入步行路网"))
    data = file if isinstance(file, bytes) else file.read()
    lines = _read_lines(data, filename)
    if not lines:
        raise NetworkImportError(_("路网文件中没有线要素"), fields={"file": [_("没有线")]})
    from jingzhi.geo.models import Grid

    geoms = (
        Grid.objects.filter(generation__is_active=True)
        .exclude(geometry=None)
        .values_list("geometry", flat=True)
    )
    grids = [shapely.point_on_surface(shapely.from_geojson(json.dumps(g))) for g in geoms]
    lons = np.array([p.x for p in grids])
    lats = np.array([p.y for p in grids])
    plane = coverage.plane_for(lons, lats)
    network = coverage.Network(
        [np.column_stack(plane.xy(*shapely.get_coordinates(line).T)) for line in lines]
    )
    from jingzhi.spaces.queries import max_snap_m

    message = (
        network.check(coverage.to_xy(plane, lons, lats), max_snap_m=max_snap_m()) if grids else _("尚无网格")
    )
    multi = {
        "type": "MultiLineString",
        "coordinates": [shapely.get_coordinates(line).tolist() for line in lines],
    }
    with transaction.atomic():
        row = WalkNetwork.objects.create(
            name=_text(filename, 200),
            lines=multi,
            segments=len(lines),
            connected=not message,
            message=message,
        )
        audit.record(
            actor=actor,
            verb=AuditVerb.NETWORK_IMPORTED,
            target=row,
            new={"name": row.name, "segments": row.segments, "connected": row.connected, "message": message},
        )
    return row


# ------------------------------------------------------------------------------------------------ lists
def do_load_default_lists(*, actor: Actor) -> None:
    """Create the default uses and service kinds that are missing (an administrator edits them after)."""
    with transaction.atomic():
        for n, (code, name) in enumerate(DEFAULT_SERVICE_KINDS):
            kind, created = ServiceKind.objects.get_or_create(code=code, defaults={"name": name, "order": n})
            if created:
                audit.record(
                    actor=actor,
                    verb=AuditVerb.SERVICE_KIND_SAVED,
                    target=kind,
                    new={"code": code, "name": name},
                )
        for n, (code, name, kinds) in enumerate(DEFAULT_USES):
            use, created = Use.objects.get_or_create(code=code, defaults={"name": name, "order": n})
            if created:
                use.service_kinds.set(ServiceKind.objects.filter(code__in=kinds))
                audit.record(
                    actor=actor,
                    verb=AuditVerb.USE_SAVED,
                    target=use,
                    new={"code": code, "name": name, "service_kinds": kinds},
                )


def do_set_recheck_rule(*, actor: Actor, state: str, origin: str = "", working_days) -> RecheckRule:
    person = _user(actor)
    if person is not None:
        _require(permissions.can_configure(person), _("只有区管理员可以设置复查周期"))
    if state not in State.values:
        raise InvalidInput(_("状态无效"), fields={"state": [_("无效")]})
    if origin and origin not in Origin.values:
        raise InvalidInput(_("来源无效"), fields={"origin": [_("无效")]})
    days = parse_id(working_days)
    if days is None or days > 365:
        raise InvalidInput(_("复查间隔应为 1～365 个工作日"), fields={"working_days": [_("应为 1～365")]})
    with transaction.atomic():
        rule = RecheckRule.objects.select_for_update().filter(state=state, origin=origin).first()
        old = {"working_days": rule.working_days} if rule else {}
        rule = rule or RecheckRule(state=state, origin=origin)
        rule.working_days = days
        rule.save()
        audit.record(
            actor=actor,
            verb=AuditVerb.RECHECK_RULE_SET,
            target=rule,
            old=old,
            new={"state": state, "origin": origin, "working_days": days},
        )
    return rule


def do_set_population(*, actor: Actor, community_code: str, population) -> CommunityPopulation:
    person = _user(actor)
    if person is not None:
        _require(permissions.can_configure(person), _("只有区管理员可以登记社区人口"))
    number = parse_id(population) if str(population).strip() != "0" else 0
    if number is None:
        raise InvalidInput(_("人口应为不小于 0 的整数"), fields={"population": [_("应为整数")]})
    with transaction.atomic():
        row = CommunityPopulation.objects.select_for_update().filter(community_code=community_code).first()
        old = {"population": row.population} if row else {}
        row = row or CommunityPopulation(community_code=_text(community_code, 32))
        row.population = number
        row.save()
        audit.record(
            actor=actor,
            verb=AuditVerb.POPULATION_SET,
            target=row,
            old=old,
            new={"community_code": row.community_code, "population": number},
        )
    return row


# ----------------------------------------------------------------------------------------- merchants
def do_add_merchant(
    *, actor: Actor, space_id, name: str, destination: str, business: str = "", contact: str = "", support=()
) -> Merchant:
    """Record a merchant moved out of a vacated site, with the support promised: [(item, promised_on)]."""
    name, destination = _text(name, 100), _text(destination, 100)
    if not name or not destination:
        raise InvalidInput(
            _("请填写商户名称和承接地"),
            fields={k: [_("不能为空")] for k, v in (("name", name), ("destination", destination)) if not v},
        )
    items = []
    for n, entry in enumerate(support or (), start=1):
        item, promised = entry
        if not _text(item):
            raise InvalidInput(
                _("第 %(n)d 项扶持事项为空") % {"n": n}, fields={"support": [_("第 %(n)d 项为空") % {"n": n}]}
            )
        items.append((_text(item, 200), parse_date(promised, "support", _("承诺日期"))))
    with transaction.atomic():
        space = permissions.access_space(_user(actor), space_id)
        if _user(actor) is not None:
            _require(permissions.can_manage_space(actor, space), _("您无权登记该空间的外迁商户"))
        merchant = Merchant.objects.create(
            space=space,
            name=name,
            destination=destination,
            business=_text(business, 100),
            contact=_text(contact, 100),
        )
        SupportItem.objects.bulk_create(
            SupportItem(merchant=merchant, item=i, promised_on=d) for i, d in items
        )
        # The contact is personal data: the audit row says it was given, not what it is.
        audit.record(
            actor=actor,
            verb=AuditVerb.MERCHANT_ADDED,
            target=merchant,
            new={
                "space": space.number,
                "name": name,
                "destination": destination,
                "support": [i for i, _d in items],
                "contact_given": bool(contact),
            },
        )
    return merchant


def do_deliver_support(*, actor: Actor, support_id, delivered_on) -> SupportItem:
    day = parse_date(delivered_on, "delivered_on", _("兑现日期"))
    with transaction.atomic():
        item = (
            SupportItem.objects.select_for_update()
            .select_related("merchant")
            .filter(pk=parse_id(support_id))
            .first()
        )
        if item is None:
            permissions.access_merchant(_user(actor), 0)
        merchant = permissions.access_merchant(_user(actor), item.merchant_id)
        if _user(actor) is not None:
            _require(permissions.can_manage_space(actor, merchant.space), _("您无权更新该商户的扶持事项"))
        old = {"delivered_on": item.delivered_on.isoformat() if item.delivered_on else None}
        item.delivered_on = day
        item.save(update_fields=["delivered_on"])
        audit.record(
            actor=actor,
            verb=AuditVerb.SUPPORT_UPDATED,
            target=item,
            old=old,
            new={"delivered_on": day.isoformat()},
        )
    return item


def do_add_follow_up(*, actor: Actor, merchant_id, on, note: str) -> FollowUp:
    day = parse_date(on, "on", _("回访日期"))
    note = _text(note)
    if not note:
        raise InvalidInput(_("请填写回访情况"), fields={"note": [_("不能为空")]})
    with transaction.atomic():
        merchant = permissions.access_merchant(_user(actor), merchant_id, for_update=True)
        if _user(actor) is not None:
            _require(permissions.can_manage_space(actor, merchant.space), _("您无权回访该商户"))
        if merchant.closed_on:
            raise InvalidInput(_("该商户已结束跟踪"), fields={"merchant": [_("已结束跟踪")]})
        follow = FollowUp.objects.create(merchant=merchant, on=day, note=note, by=_user(actor))
        audit.record(
            actor=actor,
            verb=AuditVerb.FOLLOW_UP_ADDED,
            target=merchant,
            new={"on": day.isoformat(), "note": note},
        )
    return follow


def do_close_merchant(*, actor: Actor, merchant_id, on) -> Merchant:
    """End the follow-up of a merchant; refused while promised support is undelivered (named)."""
    day = parse_date(on, "on", _("结束日期"))
    with transaction.atomic():
        merchant = permissions.access_merchant(_user(actor), merchant_id, for_update=True)
        if _user(actor) is not None:
            _require(permissions.can_manage_space(actor, merchant.space), _("您无权结束该商户的跟踪"))
        pending = list(merchant.support.filter(delivered_on__isnull=True).values_list("item", flat=True))
        if pending:
            raise InvalidInput(
                _("还有未兑现的扶持事项：%(items)s") % {"items": "、".join(pending)},
                fields={"support": pending},
            )
        merchant.closed_on = day
        merchant.save(update_fields=["closed_on"])
        audit.record(
            actor=actor, verb=AuditVerb.MERCHANT_CLOSED, target=merchant, new={"closed_on": day.isoformat()}
        )
    return merchant


def do_record_livelihood(
    *,
    actor: Actor,
    space_id,
    person: str,
    impact: str,
    assistance: str = "",
    needs_action: bool = False,
    request: str = "",
) -> Livelihood:
    """Record a resident whose livelihood the vacating hit, with the assistance given; when action is
    needed, a case is opened (its text carries the need, not the resident's name)."""
    from jingzhi.cases.actions import do_open_case

    person_name = _text(person, 50)
    if not person_name:
        raise InvalidInput(_("请填写居民"), fields={"person": [_("不能为空")]})
    if impact not in Livelihood.Impact.values:
        raise InvalidInput(_("影响类型无效"), fields={"impact": [_("无效")]})
    if needs_action and not _text(request):
        raise InvalidInput(_("需要办理时请写明需要解决的事项"), fields={"request": [_("不能为空")]})
    with transaction.atomic():
        space = permissions.access_space(_user(actor), space_id)
        if _user(actor) is not None:
            _require(permissions.can_manage_space(actor, space), _("您无权登记该空间的受影响居民"))
        row = Livelihood.objects.create(
            space=space, person=person_name, impact=impact, assistance=_text(assistance)
        )
        if needs_action:
            row.case = do_open_case(
                actor=actor,
                source=_case_source(actor),
                description=_("【腾退空间·生计帮扶】%(number)s %(name)s：%(request)s")
                % {"number": space.number, "name": space.name, "request": _text(request)},
                lon=space.lon,
                lat=space.lat,
                address=space.address,
                idempotency_key=f"spaces:livelihood:{row.pk}",
            )
            row.save(update_fields=["case"])
        audit.record(
            actor=actor,
            verb=AuditVerb.LIVELIHOOD_RECORDED,
            target=row,
            new={"space": space.number, "impact": impact, "case": row.case_id},
        )
    return row


def do_save_use(*, actor: Actor, use: Use, service_kinds=None) -> Use:
    """Create or change an entry of the uses list (the admin's form)."""
    return _save_listed(actor, use, AuditVerb.USE_SAVED, service_kinds)


def do_save_service_kind(*, actor: Actor, kind: ServiceKind) -> ServiceKind:
    if not 1 <= int(kind.walk_minutes or 0) <= 120:
        raise InvalidInput(_("步行可达时间应为 1～120 分钟"), fields={"walk_minutes": [_("应为 1～120")]})
    return _save_listed(actor, kind, AuditVerb.SERVICE_KIND_SAVED, None)


def _save_listed(actor, row, verb, service_kinds):
    person = _user(actor)
    if person is not None:
        _require(permissions.can_configure(person), _("只有区管理员可以修改列表"))
    row.code, row.name = _text(row.code, 32), _text(row.name, 50)
    if not row.code or not row.name:
        raise InvalidInput(_("编码和名称不能为空"), fields={"code": [_("不能为空")], "name": [_("不能为空")]})
    model = type(row)
    with transaction.atomic():
        before = model.objects.select_for_update().filter(pk=row.pk).first() if row.pk else None
        if model.objects.filter(code=row.code).exclude(pk=row.pk).exists():
            raise InvalidInput(_("编码 %(c)s 已被使用") % {"c": row.code}, fields={"code": [_("已被使用")]})
        old = {"code": before.code, "name": before.name, "is_active": before.is_active} if before else {}
        row.save()
        if service_kinds is not None:
            row.service_kinds.set(service_kinds)
        audit.record(
            actor=actor,
            verb=verb,
            target=row,
            old=old,
            new={"code": row.code, "name": row.name, "is_active": row.is_active},
        )
    return row
