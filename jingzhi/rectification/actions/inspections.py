"""Inspections: checking results against the standard, scoring, findings opened as (or joined to) cases."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock, hooks
from jingzhi.core.errors import Conflict, InvalidInput, PermissionDenied
from jingzhi.core.types import Actor
from jingzhi.rectification import permissions, rules
from jingzhi.rectification.hooks import INSPECTION_RECORDED
from jingzhi.rectification.models import (
    Inspection,
    InspectionKind,
    ItemResult,
    StandardItem,
    StandardVersion,
)
from jingzhi.rectification.queries import point_on_street, require_current_version, today
from jingzhi.rectification.verbs import AuditVerb

from ._common import (
    CASE_SOURCE,
    OFFICIAL_KINDS,
    _date,
    _decimal,
    _record,
    _street,
    _text,
    _user,
    pin_max_distance_m,
)
from .grades import _update_street


@dataclass
class _Checked:
    item: StandardItem
    passed: bool
    deduction: Decimal
    count: int
    note: str
    address: str
    lon: float | None
    lat: float | None
    photos: list


def _distance_to_street_m(street, lon: float, lat: float) -> float:
    import math

    from shapely.geometry import Point, shape

    geom = shape(street.geometry)
    # Local metres around the point: good to a few centimetres over a street's length.
    kx, ky = 111_320 * math.cos(math.radians(lat)), 110_540
    nearest = geom.interpolate(geom.project(Point(lon, lat))) if geom.geom_type != "Polygon" else None
    if nearest is None:
        return 0.0 if geom.contains(Point(lon, lat)) else geom.exterior.distance(Point(lon, lat)) * kx
    return math.hypot((nearest.x - lon) * kx, (nearest.y - lat) * ky)


def _check_results(version: StandardVersion, street, results) -> list[_Checked]:
    items = {i.code: i for i in version.items.exclude(is_creation_goal=True)}
    given: dict[str, dict] = {}
    for index, raw in enumerate(results or []):
        code = _text(raw.get("item") or raw.get("code"))
        if code not in items:
            other = (
                StandardItem.objects.filter(code=code)
                .exclude(version=version)
                .select_related("version")
                .first()
            )
            if other is not None:
                message = _("事项编码“%(c)s”属于标准版本“%(o)s”，不属于本次检查使用的“%(v)s”") % {
                    "c": code,
                    "o": other.version.code,
                    "v": version.code,
                }
            else:
                message = _("事项编码“%(c)s”不在标准版本“%(v)s”中") % {"c": code, "v": version.code}
            raise InvalidInput(message, fields={f"results.{index}.item": "unknown"})
        if code in given:
            raise InvalidInput(
                _("事项“%(n)s”填写了两次") % {"n": items[code].name},
                fields={f"results.{index}.item": "duplicate"},
            )
        given[code] = {**raw, "_index": index}
    checked = []
    for code, item in items.items():
        raw = given.get(code)
        if raw is None:
            checked.append(_Checked(item, True, Decimal(0), 0, "", "", None, None, []))
            continue
        index = raw["_index"]
        passed = raw.get("passed", True)
        passed = passed if isinstance(passed, bool) else str(passed).lower() in ("1", "true", "yes", "on")
        try:
            count = int(raw.get("count") or 0)
        except (TypeError, ValueError):
            raise InvalidInput(
                _("“%(n)s”的问题处数应为整数") % {"n": item.name},
                fields={f"results.{index}.count": "invalid"},
            ) from None
        if count < 0 or count > 999:
            raise InvalidInput(
                _("“%(n)s”的问题处数应在 0 到 999 之间") % {"n": item.name},
                fields={f"results.{index}.count": "invalid"},
            )
        raw_deduction = raw.get("deduction")
        if passed:
            deduction = Decimal(0)
            if raw_deduction not in (None, "") and _decimal(raw_deduction, "deduction", _("扣分")) != 0:
                raise InvalidInput(
                    _("“%(n)s”标为达标，却填写了扣分") % {"n": item.name},
                    fields={f"results.{index}.deduction": "passed"},
                )
            count = 0
        else:
            count = max(count, 1)
            if raw_deduction in (None, ""):
                deduction = rules.suggested_deduction(count, item.deduction_per_finding, item.points)
            else:
                deduction = _decimal(raw_deduction, f"results.{index}.deduction", _("扣分"))
            problem = rules.deduction_problem(item.name, item.points, deduction)
            if problem:
                raise InvalidInput(
                    problem,
                    fields={f"results.{index}.deduction": "too_large" if deduction > 0 else "invalid"},
                )
            if deduction == 0:
                raise InvalidInput(
                    _("“%(n)s”不达标时扣分应大于 0") % {"n": item.name},
                    fields={f"results.{index}.deduction": "zero"},
                )
            if item.category_id is None:
                raise InvalidInput(
                    _("事项“%(n)s”尚未对应案件分类，无法立案；请先在标准中设置对应分类") % {"n": item.name},
                    fields={f"results.{index}.item": "unmapped"},
                )
        lon, lat = raw.get("lon"), raw.get("lat")
        if lon in (None, "") or lat in (None, ""):
            lon = lat = None
        else:
            lon = float(_decimal(lon, f"results.{index}.lon", _("经度")))
            lat = float(_decimal(lat, f"results.{index}.lat", _("纬度")))
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise InvalidInput(
                    _("“%(n)s”的位置超出经纬度范围") % {"n": item.name},
                    fields={f"results.{index}.lon": "range"},
                )
            distance = _distance_to_street_m(street, lon, lat)
            if distance > pin_max_distance_m():
                raise InvalidInput(
                    _("“%(n)s”标注的位置距离%(s)s %(d)d 米，超过 %(m)d 米，请在街巷上标注")
                    % {"n": item.name, "s": street.name, "d": distance, "m": pin_max_distance_m()},
                    fields={f"results.{index}.lon": "far"},
                )
        checked.append(
            _Checked(
                item,
                bool(passed),
                deduction,
                count,
                _text(raw.get("note"), 500),
                _text(raw.get("address"), 200),
                lon,
                lat,
                list(raw.get("photos") or []),
            )
        )
    return checked


def _source_for(actor, kind: str) -> str:
    from jingzhi.accounts import access

    if (
        kind in OFFICIAL_KINDS
        and _user(actor) is not None
        and access.has_role(actor, "inspector")
        and not access.is_superuser(actor)
    ):
        return "inspector"
    return CASE_SOURCE[kind]


def _open_or_attach(
    result: ItemResult, checked: _Checked, *, actor, street, inspection: Inspection, photos: list[bytes]
) -> None:
    from jingzhi.cases import workflow
    from jingzhi.cases.actions import do_open_case
    from jingzhi.cases.models import Case

    item = checked.item
    open_case = (
        Case.objects.filter(
            category_id=item.category_id, street_code=street.code, state__in=workflow.OPEN_STATES
        )
        .order_by("reported_at", "id")
        .first()
    )
    if open_case is not None:
        result.case, result.attached_to_open_case = open_case, True
        return
    lon, lat = (checked.lon, checked.lat) if checked.lon is not None else point_on_street(street)
    where = checked.address or street.name
    description = _("【十无检查·%(kind)s】%(street)s %(item)s：%(count)d 处，扣 %(d)s 分。%(note)s") % {
        "kind": inspection.get_kind_display(),
        "street": street.name,
        "item": item.name.removeprefix("无"),
        "count": checked.count,
        "d": rules._num(checked.deduction),
        "note": checked.note,
    }
    uploads = [ContentFile(data, name=f"finding-{result.pk}-{n}.jpg") for n, data in enumerate(photos)]
    case = do_open_case(
        actor=actor,
        source=_source_for(actor, inspection.kind),
        description=description.strip(),
        lon=lon,
        lat=lat,
        address=where,
        category=item.category,
        idempotency_key=f"rectification:{inspection.pk}:{item.code}",
        photos=uploads,
        reported_at=clock.now(),
    )
    result.case = case


def _read_photos(photos) -> list[bytes]:
    out = []
    for upload in photos:
        if isinstance(upload, bytes):
            out.append(upload)
            continue
        if hasattr(upload, "seek"):
            upload.seek(0)
        out.append(upload.read())
    return out


def do_record_inspection(
    *,
    actor: Actor,
    street_code: str,
    kind: str,
    inspected_on=None,
    results=(),
    period: str = "",
    version=None,
    satisfaction=None,
    note: str = "",
) -> Inspection:
    """Score a street against the standard. `results` lists the items found wanting (or all items):
    {"item": code, "passed": bool, "count": n, "deduction": points (default: the item's rule), "note",
    "address", "lon", "lat", "photos": [uploads]} — items not listed pass. Every deduction opens a case (or
    joins the open case of its category on this street). Official kinds (monthly city check, quarterly
    third-party check) are one per street and period and drive the street's grade."""
    street = _street(street_code)
    if kind not in InspectionKind.values:
        raise InvalidInput(_("检查类型“%(k)s”无效") % {"k": kind}, fields={"kind": "invalid"})
    kind_label = InspectionKind(kind).label
    if actor is not None and not permissions.can_inspect(actor, street.code, kind):
        raise PermissionDenied(
            _("%(s)s（%(c)s）不在您的检查范围内，您不能对其进行%(k)s")
            % {"s": street.name, "c": street.code, "k": kind_label},
            fields={"street": street.code},
        )
    inspected_on = _date(inspected_on or today(), "inspected_on", _("检查日期"))
    if inspected_on > today():
        raise InvalidInput(
            _("检查日期 %(d)s 晚于今天") % {"d": inspected_on.isoformat()}, fields={"inspected_on": "future"}
        )
    period = _text(period) or rules.period_for(kind, inspected_on)
    problem = rules.period_problem(kind, period, inspected_on)
    if problem:
        raise InvalidInput(problem, fields={"period": "mismatch"})
    if version is None:
        version = require_current_version()
    elif not isinstance(version, StandardVersion):
        version = StandardVersion.objects.filter(code=str(version)).first()
        if version is None:
            raise InvalidInput(_("标准版本不存在"), fields={"version": "unknown"})
    if satisfaction not in (None, ""):
        satisfaction = _decimal(satisfaction, "satisfaction", _("群众满意度"))
        if not (0 <= satisfaction <= 100):
            raise InvalidInput(_("群众满意度应在 0 到 100 之间"), fields={"satisfaction": "range"})
    else:
        satisfaction = None
    checked = _check_results(version, street, results)
    total = rules.score(
        version.full_score, [rules.Finding(c.item.code, c.item.points, c.deduction) for c in checked]
    )
    official = kind in OFFICIAL_KINDS
    photo_bytes = {c.item.code: _read_photos(c.photos) for c in checked}

    def duplicate_error(existing):
        who = (
            existing.inspector.display_name or existing.inspector.username
            if existing.inspector_id
            else _("系统")
        )
        return Conflict(
            _(
                "%(s)s %(p)s 的%(k)s已于 %(d)s 录入（%(who)s，%(score)s 分）；每条街巷每个周期只能有一次正式检查"
            )
            % {
                "s": street.name,
                "p": period,
                "k": kind_label,
                "d": existing.inspected_on.isoformat(),
                "who": who,
                "score": rules._num(existing.score),
            },
            code="duplicate_inspection",
            fields={"period": "duplicate"},
        )

    if official:
        existing = (
            Inspection.objects.filter(street_code=street.code, kind=kind, period=period, is_official=True)
            .select_related("inspector")
            .first()
        )
        if existing is not None:
            raise duplicate_error(existing)
    try:
        with transaction.atomic():
            record = _record(street.code, street.name)
            inspection = Inspection.objects.create(
                street_code=street.code,
                street_name=street.name,
                subdistrict_code=street.code[:9],
                kind=kind,
                period=period,
                month=rules.month_of(inspected_on),
                is_official=official,
                version=version,
                inspector=_user(actor),
                inspected_on=inspected_on,
                score=total,
                full_score=version.full_score,
                satisfaction=satisfaction,
                note=_text(note, 2000),
            )
            opened = []
            for c in checked:
                result = ItemResult.objects.create(
                    inspection=inspection,
                    item=c.item,
                    passed=c.passed,
                    deduction=c.deduction,
                    count=c.count,
                    note=c.note,
                    address=c.address,
                    lon=c.lon,
                    lat=c.lat,
                )
                if c.passed:
                    continue
                _open_or_attach(
                    result,
                    c,
                    actor=actor,
                    street=street,
                    inspection=inspection,
                    photos=photo_bytes[c.item.code],
                )
                result.save(update_fields=["case", "attached_to_open_case"])
                opened.append(result)
                if photo_bytes[c.item.code]:
                    from jingzhi.core.attachments import do_store_image

                    for n, data in enumerate(photo_bytes[c.item.code]):
                        do_store_image(
                            actor=_user(actor),
                            upload=ContentFile(data, name=f"finding-{n}.jpg"),
                            owner=("rectification.itemresult", result.pk),
                            kind="finding",
                        )
            audit.record(
                actor=_user(actor),
                verb=AuditVerb.INSPECTION_RECORDED,
                target=inspection,
                new={
                    "street": street.code,
                    "kind": kind,
                    "period": period,
                    "score": total,
                    "version": version.code,
                    "findings": {
                        r.item.code: {
                            "deduction": r.deduction,
                            "case": r.case_id,
                            "attached": r.attached_to_open_case,
                        }
                        for r in opened
                    },
                },
            )
            if official:
                _update_street(record, actor=actor, month=inspection.month)
            hooks.fire(
                INSPECTION_RECORDED, inspection_id=inspection.pk, street_code=street.code, official=official
            )
    except IntegrityError:
        existing = (
            Inspection.objects.filter(street_code=street.code, kind=kind, period=period, is_official=True)
            .select_related("inspector")
            .first()
        )
        if official and existing is not None:
            raise duplicate_error(existing) from None
        raise
    return inspection
