"""The only code that writes 十无一创建's tables: the standard, inspections, grades, chiefs, task letters,
the ledger, the board, accountability, 一街一策 plans and stewards.

Every `do_*` checks its input completely before writing anything, then writes inside one
`transaction.atomic()` with an audit row per change, so a refusal leaves nothing half-written (an
inspection whose third finding cannot become a case rolls back the first two cases too). Findings become
cases through `cases.actions.do_open_case` like any other report: located, categorised by the item's
mapped category, on the timeline, dispatched later by the responsibility list. A finding on a street where
a case of the same category is still open joins that case instead of opening a duplicate. After an
official inspection the street's grade is replayed from its monthly scores (`rules.replay_grades`), new
grade changes and accountability proposals are recorded, and the people concerned are notified after
commit. `actor` None is the system (the demo, imports): it passes permission checks but still leaves audit
rows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jingzhi.accounts.models import User
from jingzhi.core import audit, clock, hooks
from jingzhi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.core.text import listing
from jingzhi.rectification import permissions, rules
from jingzhi.rectification.hooks import INSPECTION_RECORDED
from jingzhi.rectification.models import (
    AccountabilityProposal,
    AccountabilityRule,
    ChiefAssignment,
    ChiefRank,
    Grade,
    GradeChange,
    GradeChangeKind,
    Inspection,
    InspectionKind,
    ItemResult,
    LedgerEntry,
    LedgerKind,
    PatrolDuty,
    PatrolLog,
    PlanItem,
    ProposalKind,
    ProposalStatus,
    StandardItem,
    StandardVersion,
    StewardAssignment,
    StreetPlan,
    StreetRecord,
    TaskLetter,
)

logger = logging.getLogger(__name__)

OFFICIAL_KINDS = frozenset({InspectionKind.CITY_MONTHLY, InspectionKind.THIRD_PARTY})
# Where each kind of inspection comes from, as a case source (an inspector's own check is filed directly).
CASE_SOURCE = {
    InspectionKind.CITY_MONTHLY: "assessor",
    InspectionKind.THIRD_PARTY: "assessor",
    InspectionKind.CHIEF_PATROL: "street_chief",
    InspectionKind.STEWARD_PATROL: "steward",
}
DEFAULT_VERSION_CODE = "2017"
DEFAULT_RULES = [
    (2, ProposalKind.TALK, "连续两个月不达标，约谈街巷长"),
    (4, ProposalKind.TRANSFER, "连续四个月不达标，建议调离"),
    (6, ProposalKind.ACCOUNTABILITY, "连续六个月不达标，建议问责"),
]


def _user(actor):
    return actor if isinstance(actor, User) and actor.pk else None


def row_id(value) -> int | None:
    """An id from a form or URL as an int the database can hold, else None (which matches no row): an
    absurd number must answer "not found", not overflow the driver."""
    try:
        number = int(getattr(value, "pk", value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _text(value, limit: int | None = None) -> str:
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _decimal(value, field_name: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("%(label)s应为数字，收到“%(v)s”") % {"label": label, "v": value}, fields={field_name: "invalid"}
        ) from None
    if not number.is_finite():
        raise InvalidInput(_("%(label)s应为有限的数字") % {"label": label}, fields={field_name: "invalid"})
    return number


def _date(value, field_name: str, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(
            _("%(label)s应为日期（YYYY-MM-DD），收到“%(v)s”") % {"label": label, "v": value},
            fields={field_name: "invalid"},
        ) from None


def _today() -> date:
    from django.utils import timezone

    return timezone.localdate(clock.now())


def pin_max_distance_m() -> float:
    """How far from the street a finding's pin may be (metres)."""
    return float(getattr(settings, "JINGZHI_RECTIFICATION_PIN_MAX_M", 150))


def _street(street_code: str):
    return permissions.public_street(street_code)


def _record(street_code: str, street_name: str = "") -> StreetRecord:
    record, created = StreetRecord.objects.select_for_update().get_or_create(
        street_code=street_code, defaults={"street_name": street_name or street_code}
    )
    if not created and street_name and record.street_name != street_name:
        record.street_name = street_name
        record.save(update_fields=["street_name"])
    return record


def _notify(recipients, *, verb: str, title: str, body: str = "", link: str = "", target=None) -> None:
    from jingzhi.core.notifications import notify

    people = [u for u in dict.fromkeys(recipients) if u is not None and u.is_active]
    if people:
        notify(recipients=people, verb=verb, title=title, body=body, link=link, target=target)


def _admins_of(street_code: str) -> list[User]:
    prefixes = {street_code[:6], street_code[:9], street_code}
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__is_active=True,
            role_assignments__role__in=list(permissions.ADMINS),
            role_assignments__scope_code__in=sorted(prefixes),
        ).distinct()
    )


def street_link(street_code: str) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("web:street_detail", args=[street_code])
    except NoReverseMatch:
        return ""


# ------------------------------------------------------------------------------------------------ standard
def current_version() -> StandardVersion:
    version = StandardVersion.objects.filter(is_current=True).first()
    if version is None:
        raise NotFound(
            _("尚未设置现行的十无标准版本，请先载入默认标准（jingzhi rectification load-standard）"),
            fields={"version": "missing"},
        )
    return version


def _mapped_category(code: str):
    from jingzhi.taxonomy.models import ShiwuItem
    from jingzhi.taxonomy.queries import shiwu_mapping

    if code not in ShiwuItem.values:
        return None
    return shiwu_mapping().get(code)


def do_load_default_standard(*, actor=None) -> StandardVersion:
    """The 2017 edition of 十无一创建 (ten items of 10 points, 一创建 as a goal) and the default
    accountability rules. Idempotent: an existing edition is kept; unmapped items pick up their category
    once taxonomy maps it."""
    with transaction.atomic():
        version = StandardVersion.objects.filter(code=DEFAULT_VERSION_CODE).first()
        if version is None:
            has_current = StandardVersion.objects.filter(is_current=True).exists()
            version = StandardVersion.objects.create(
                code=DEFAULT_VERSION_CODE,
                name=_("背街小巷环境整治提升“十无一创建”标准"),
                effective_from=date(2017, 4, 1),
                is_current=not has_current,
                note=_("默认配置：低于 90 分降为不达标，连续 3 个月不低于 90 分复档。"),
            )
            for position, (code, name, points, per, text) in enumerate(rules.DEFAULT_ITEMS, start=1):
                StandardItem.objects.create(
                    version=version,
                    code=code,
                    name=name,
                    position=position,
                    points=Decimal(points),
                    deduction_per_finding=Decimal(per),
                    deduction_rule=text,
                    category=_mapped_category(code),
                )
            StandardItem.objects.create(
                version=version,
                code=rules.CIVILIZED_CODE,
                name=rules.CIVILIZED_NAME,
                position=len(rules.DEFAULT_ITEMS) + 1,
                points=Decimal(0),
                deduction_per_finding=Decimal(0),
                is_creation_goal=True,
                deduction_rule=_("十项连续达标且群众满意度达标，评为文明街巷"),
            )
            audit.record(
                actor=_user(actor),
                verb="rectification.standard_loaded",
                target=version,
                new={"code": version.code, "items": len(rules.DEFAULT_ITEMS) + 1},
            )
        else:
            for item in version.items.filter(category__isnull=True, is_creation_goal=False):
                category = _mapped_category(item.code)
                if category is not None:
                    item.category = category
                    item.save(update_fields=["category"])
                    audit.record(
                        actor=_user(actor),
                        verb="rectification.item_mapped",
                        target=item,
                        new={"category": category.code},
                    )
        for months, kind, note in DEFAULT_RULES:
            rule, created = AccountabilityRule.objects.get_or_create(
                failing_months=months, proposal=kind, defaults={"note": note}
            )
            if created:
                audit.record(
                    actor=_user(actor),
                    verb="rectification.rule_created",
                    target=rule,
                    new={"failing_months": months, "proposal": kind},
                )
    return version


@dataclass
class ItemSpec:
    code: str
    name: str
    points: Decimal
    deduction_per_finding: Decimal = Decimal(2)
    deduction_rule: str = ""
    category: object = None
    replaces: list[str] = field(default_factory=list)
    is_creation_goal: bool = False


def do_create_standard_version(
    *,
    actor,
    code: str,
    name: str,
    effective_from,
    items: list[dict],
    make_current: bool = True,
    note: str = "",
    copy_rules_from=None,
) -> StandardVersion:
    """A new edition: items may be renamed (same code), merged (a new code naming the codes it replaces)
    or added. Old inspections keep pointing at the old edition's rows, so nothing is rewritten."""
    if actor is not None and not (
        permissions.access.is_superuser(actor) or permissions.access.has_role(actor, "district_admin")
    ):
        raise PermissionDenied(_("只有区管理员可以发布新的十无标准版本"))
    code, name = _text(code, 32), _text(name, 100)
    if not code or not name:
        raise InvalidInput(_("请填写版本编码和名称"), fields={"code": "required", "name": "required"})
    if StandardVersion.objects.filter(code=code).exists():
        raise Conflict(_("标准版本编码“%(c)s”已存在") % {"c": code}, fields={"code": "duplicate"})
    effective_from = _date(effective_from, "effective_from", _("启用日期"))
    base = copy_rules_from or StandardVersion.objects.filter(is_current=True).first()
    specs, seen = [], set()
    for index, raw in enumerate(items):
        item_code, item_name = _text(raw.get("code"), 48), _text(raw.get("name"), 64)
        if not item_code or not item_name:
            raise InvalidInput(
                _("第 %(n)d 项缺少编码或名称") % {"n": index + 1}, fields={f"items.{index}": "required"}
            )
        if item_code in seen:
            raise InvalidInput(
                _("事项编码“%(c)s”重复") % {"c": item_code}, fields={f"items.{index}.code": "duplicate"}
            )
        seen.add(item_code)
        spec = ItemSpec(
            code=item_code,
            name=item_name,
            points=_decimal(raw.get("points", 0), f"items.{index}.points", _("分值")),
            deduction_per_finding=_decimal(
                raw.get("deduction_per_finding", 2), f"items.{index}.deduction_per_finding", _("每处扣分")
            ),
            deduction_rule=_text(raw.get("deduction_rule"), 200),
            category=raw.get("category"),
            replaces=list(raw.get("replaces") or []),
            is_creation_goal=bool(raw.get("is_creation_goal")),
        )
        specs.append(spec)
    full = int(base.full_score) if base else 100
    total = sum((s.points for s in specs if not s.is_creation_goal), Decimal(0))
    if total != full:
        raise InvalidInput(
            _("各事项分值合计 %(t)s 分，应等于满分 %(f)d 分") % {"t": rules._num(total), "f": full},
            fields={"items": "points_total"},
        )
    with transaction.atomic():
        if make_current:
            StandardVersion.objects.filter(is_current=True).update(is_current=False)
        version = StandardVersion.objects.create(
            code=code,
            name=name,
            effective_from=effective_from,
            is_current=make_current,
            note=_text(note),
            full_score=full,
            **(
                {
                    f: getattr(base, f)
                    for f in (
                        "downgrade_below",
                        "restore_at_least",
                        "restore_months",
                        "civilized_clean_months",
                        "civilized_satisfaction",
                    )
                }
                if base
                else {}
            ),
        )
        for position, spec in enumerate(specs, start=1):
            category = spec.category if spec.category is not None else _mapped_category(spec.code)
            if category is None and spec.replaces:
                category = _mapped_category(spec.replaces[0])
            StandardItem.objects.create(
                version=version,
                code=spec.code,
                name=spec.name,
                position=position,
                points=spec.points,
                deduction_per_finding=spec.deduction_per_finding,
                deduction_rule=spec.deduction_rule,
                category=category,
                replaces=spec.replaces,
                is_creation_goal=spec.is_creation_goal,
            )
        audit.record(
            actor=_user(actor),
            verb="rectification.standard_created",
            target=version,
            new={"code": code, "items": [s.code for s in specs], "current": make_current},
        )
    return version


# ------------------------------------------------------------------------------------------------ inspections
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


def _point_on(street) -> tuple[float, float]:
    from shapely.geometry import shape

    geom = shape(street.geometry)
    point = (
        geom.interpolate(0.5, normalized=True)
        if geom.geom_type in ("LineString", "MultiLineString")
        else geom.representative_point()
    )
    return round(point.x, 7), round(point.y, 7)


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
    lon, lat = (checked.lon, checked.lat) if checked.lon is not None else _point_on(street)
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
    actor,
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
    inspected_on = _date(inspected_on or _today(), "inspected_on", _("检查日期"))
    if inspected_on > _today():
        raise InvalidInput(
            _("检查日期 %(d)s 晚于今天") % {"d": inspected_on.isoformat()}, fields={"inspected_on": "future"}
        )
    period = _text(period) or rules.period_for(kind, inspected_on)
    problem = rules.period_problem(kind, period, inspected_on)
    if problem:
        raise InvalidInput(problem, fields={"period": "mismatch"})
    if version is None:
        version = current_version()
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
                verb="rectification.inspection_recorded",
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


# ------------------------------------------------------------------------------------------------ grades
def grade_rule(version: StandardVersion | None = None) -> rules.GradeRule:
    version = version or StandardVersion.objects.filter(is_current=True).first()
    if version is None:
        return rules.GradeRule()
    return rules.GradeRule(
        downgrade_below=version.downgrade_below,
        restore_at_least=version.restore_at_least,
        restore_months=version.restore_months,
    )


def month_scores(street_code: str) -> dict[str, Decimal]:
    """The month's score that counts for the grade: the lowest official score of that month."""
    scores: dict[str, Decimal] = {}
    for month, value in Inspection.objects.filter(street_code=street_code, is_official=True).values_list(
        "month", "score"
    ):
        scores[month] = min(value, scores.get(month, value))
    return scores


def _month_clean(street_code: str) -> dict[str, bool]:
    clean: dict[str, bool] = {}
    rows = ItemResult.objects.filter(
        inspection__street_code=street_code, inspection__is_official=True
    ).values_list("inspection__month", "passed")
    for month, passed in rows:
        clean[month] = clean.get(month, True) and passed
    return clean


def _update_street(record: StreetRecord, *, actor, month: str) -> None:
    """Replay the grade from the monthly scores, store the changes not yet stored, propose measures, and
    re-evaluate 文明街巷."""
    version = StandardVersion.objects.filter(is_current=True).first()
    rule = grade_rule(version)
    scores = month_scores(record.street_code)
    award_rows = list(GradeChange.objects.filter(street_code=record.street_code, kind=GradeChangeKind.AWARD))
    awards = {row.month: row.to_grade for row in award_rows}
    grade, awarded, steps = rules.replay_grades(scores, rule, awards=awards)
    computed = [s for s in steps if s.kind != GradeChangeKind.AWARD]
    stored = list(
        GradeChange.objects.filter(street_code=record.street_code)
        .exclude(kind=GradeChangeKind.AWARD)
        .order_by("month", "id")
    )
    same = 0
    while (
        same < len(stored)
        and same < len(computed)
        and (stored[same].month, stored[same].kind, stored[same].to_grade)
        == (computed[same].month, computed[same].kind, computed[same].to_grade)
    ):
        same += 1
    # A late entry for an earlier month can change what followed; the superseded rows go, with an audit row.
    for row in stored[same:]:
        audit.record(
            actor=_user(actor),
            verb="rectification.grade_change_superseded",
            target=row,
            old={"month": row.month, "kind": row.kind, "to": row.to_grade, "reason": row.reason},
            note=_("补录检查后重新计算"),
        )
        row.delete()
    new_changes = []
    for step in computed[same:]:
        change = GradeChange.objects.create(
            street_code=record.street_code,
            month=step.month,
            kind=step.kind,
            from_grade=step.from_grade,
            to_grade=step.to_grade,
            reason=step.reason[:300],
            score=step.score,
        )
        audit.record(
            actor=_user(actor),
            verb=f"rectification.grade_{step.kind}",
            target=change,
            old={"grade": step.from_grade},
            new={"grade": step.to_grade, "month": step.month},
            note=step.reason,
        )
        new_changes.append(change)
    latest_month = max(scores, key=rules.month_index) if scores else ""
    old = {"grade": record.grade, "is_civilized": record.is_civilized}
    record.grade, record.awarded_grade = grade, awarded
    last_change = GradeChange.objects.filter(street_code=record.street_code).order_by("-month", "-id").first()
    record.grade_since = last_change.month if last_change else ""
    record.last_month = latest_month
    record.last_score = scores.get(latest_month)
    satisfaction = (
        Inspection.objects.filter(street_code=record.street_code, satisfaction__isnull=False)
        .order_by("-inspected_on", "-id")
        .values_list("satisfaction", flat=True)
        .first()
    )
    record.is_civilized = bool(
        version
        and latest_month
        and grade != Grade.FAILING
        and rules.civilized(
            _month_clean(record.street_code),
            latest_month,
            satisfaction,
            clean_months=version.civilized_clean_months,
            min_satisfaction=version.civilized_satisfaction,
        )
    )
    record.updated_at = clock.now()
    record.save()
    if old != {"grade": record.grade, "is_civilized": record.is_civilized}:
        audit.record(
            actor=_user(actor),
            verb="rectification.street_graded",
            target=record,
            old=old,
            new={"grade": record.grade, "is_civilized": record.is_civilized},
        )
    chief = (
        ChiefAssignment.objects.filter(street_code=record.street_code, is_active=True)
        .select_related("user")
        .first()
    )
    for change in new_changes:
        if change.kind in (GradeChangeKind.DOWNGRADE, GradeChangeKind.RESTORE):
            title = _("%(s)s %(k)s：%(g)s") % {
                "s": record.street_name,
                "k": change.get_kind_display(),
                "g": change.get_to_grade_display(),
            }
            _notify(
                [chief.user if chief else None, *_admins_of(record.street_code)],
                verb=f"street_{change.kind}",
                title=title,
                body=change.reason,
                link=street_link(record.street_code),
                target=change,
            )
    _propose(record, actor=actor, month=month, scores=scores, rule=rule, chief=chief)


def _propose(record: StreetRecord, *, actor, month: str, scores, rule, chief) -> list[AccountabilityProposal]:
    run = rules.failing_run(scores, month, rule)
    if not run:
        return []
    refs = [
        rules.RuleRef(r.pk, r.failing_months, r.proposal)
        for r in AccountabilityRule.objects.filter(is_active=True)
    ]
    made = []
    for ref in rules.proposals_due(run, refs):
        if AccountabilityProposal.objects.filter(
            street_code=record.street_code, rule_id=ref.id, month=month
        ).exists():
            continue
        kind_label = ProposalKind(ref.proposal).label
        who = (chief.user.display_name or chief.user.username) if chief else _("（暂无街巷长）")
        reason = _("%(s)s 截至 %(m)s 已连续 %(n)d 个月低于 %(t)s 分，建议对街巷长%(who)s%(k)s") % {
            "s": record.street_name,
            "m": month,
            "n": run,
            "t": rules._num(rule.downgrade_below),
            "who": who,
            "k": kind_label,
        }
        proposal = AccountabilityProposal.objects.create(
            street_code=record.street_code,
            chief=chief,
            rule_id=ref.id,
            kind=ref.proposal,
            month=month,
            failing_months=run,
            reason=reason[:300],
        )
        audit.record(
            actor=_user(actor),
            verb="rectification.proposal_made",
            target=proposal,
            new={"kind": ref.proposal, "month": month, "run": run, "chief": chief.pk if chief else None},
        )
        _notify(
            _admins_of(record.street_code),
            verb="accountability_proposed",
            title=_("问责建议：%(s)s %(k)s") % {"s": record.street_name, "k": kind_label},
            body=reason,
            link=street_link(record.street_code),
            target=proposal,
        )
        made.append(proposal)
    return made


def do_award_grade(*, actor, street_code: str, grade: str, reason: str) -> GradeChange:
    """A person awards a street 精品 / 优美 / 达标 (评定). A failing street keeps 不达标 until restored, then
    returns to the grade awarded here."""
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以评定等级"), fields={"street": street.code}
        )
    if grade not in (Grade.PREMIUM, Grade.FINE, Grade.STANDARD):
        raise InvalidInput(_("评定等级只能是精品、优美或达标"), fields={"grade": "invalid"})
    reason = _text(reason, 300)
    if not reason:
        raise InvalidInput(_("请填写评定理由"), fields={"reason": "required"})
    with transaction.atomic():
        record = _record(street.code, street.name)
        month = rules.month_of(_today())
        change = GradeChange.objects.create(
            street_code=street.code,
            month=month,
            kind=GradeChangeKind.AWARD,
            from_grade=record.awarded_grade,
            to_grade=grade,
            reason=(_("评定为%(g)s：%(r)s") % {"g": Grade(grade).label, "r": reason})[:300],
            decided_by=_user(actor),
        )
        audit.record(
            actor=_user(actor),
            verb="rectification.grade_awarded",
            target=change,
            old={"awarded": record.awarded_grade},
            new={"awarded": grade},
            note=reason,
        )
        _update_street(record, actor=actor, month=month)
    return change


# ------------------------------------------------------------------------------------------------ accountability
def do_decide_proposal(*, actor, proposal_id, accept: bool, reason: str) -> AccountabilityProposal:
    with transaction.atomic():
        proposal = AccountabilityProposal.objects.select_for_update().filter(pk=row_id(proposal_id)).first()
        if proposal is None or (
            actor is not None and not permissions.can_view_street(actor, proposal.street_code)
        ):
            raise NotFound(_("问责建议不存在，或不在您的辖区（编号 %(id)s）") % {"id": proposal_id})
        if actor is not None and not permissions.can_decide_proposal(actor, proposal.street_code):
            raise PermissionDenied(
                _("“%(k)s”建议须由该街巷所在街道或区的管理员决定，您无权决定")
                % {"k": proposal.get_kind_display()},
                fields={"proposal": proposal.pk},
            )
        if proposal.status != ProposalStatus.PENDING:
            raise Conflict(
                _("该建议已于 %(d)s 决定（%(s)s），不能再次决定")
                % {
                    "d": proposal.decided_at.date().isoformat() if proposal.decided_at else "",
                    "s": proposal.get_status_display(),
                },
                fields={"proposal": "decided"},
            )
        reason = _text(reason, 500)
        if not reason:
            raise InvalidInput(_("请填写采纳或不采纳的理由"), fields={"reason": "required"})
        old = proposal.status
        proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
        proposal.decided_by, proposal.decided_at, proposal.decision_reason = _user(actor), clock.now(), reason
        proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record(
            actor=_user(actor),
            verb="rectification.proposal_decided",
            target=proposal,
            old={"status": old},
            new={"status": proposal.status},
            note=reason,
        )
        if proposal.chief_id:
            _notify(
                [proposal.chief.user],
                verb="accountability_decided",
                title=_("%(k)s建议%(s)s")
                % {"k": proposal.get_kind_display(), "s": proposal.get_status_display()},
                body=reason,
                link=street_link(proposal.street_code),
                target=proposal,
            )
    return proposal


# ------------------------------------------------------------------------------------------------ chiefs
def do_appoint_chief(
    *, actor, street_code: str, user: User, rank: str, title: str = "", started_on=None, note: str = ""
) -> ChiefAssignment:
    """Make `user` the street's chief (ending the previous one). The user also receives the street_chief
    role on the street through accounts, which is what lets them see its cases; the previous chief's role
    on this street is revoked."""
    from jingzhi.accounts.actions import do_assign_role

    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以任命街巷长"), fields={"street": street.code}
        )
    if rank not in ChiefRank.values:
        raise InvalidInput(_("街巷长级别“%(r)s”无效") % {"r": rank}, fields={"rank": "invalid"})
    if user is None or not user.is_active:
        raise InvalidInput(_("请选择在职的用户担任街巷长"), fields={"user": "invalid"})
    started_on = _date(started_on or _today(), "started_on", _("任职日期"))
    with transaction.atomic():
        current = (
            ChiefAssignment.objects.select_for_update()
            .filter(street_code=street.code, is_active=True)
            .first()
        )
        if current is not None and current.user_id == user.pk and current.rank == rank:
            return current
        if current is not None:
            _end_chief(
                current,
                actor=actor,
                reason=_("由%(u)s接任") % {"u": user.display_name or user.username},
                ended_on=started_on,
                revoke=current.user_id != user.pk,
            )
        role = do_assign_role(
            actor=None, user=user, role="street_chief", scope_kind="street", scope_code=street.code
        )
        assignment = ChiefAssignment.objects.create(
            street_code=street.code,
            user=user,
            rank=rank,
            title=_text(title, 100),
            role_assignment=role,
            started_on=started_on,
            note=_text(note, 300),
        )
        _record(street.code, street.name)
        audit.record(
            actor=_user(actor),
            verb="rectification.chief_appointed",
            target=assignment,
            old={"chief": current.user_id if current else None},
            new={"chief": user.pk, "rank": rank, "street": street.code},
        )
        _notify(
            [user],
            verb="chief_appointed",
            title=_("您已任%(s)s%(r)s") % {"s": street.name, "r": ChiefRank(rank).label},
            link=street_link(street.code),
            target=assignment,
        )
    return assignment


def _end_chief(assignment: ChiefAssignment, *, actor, reason: str, ended_on: date, revoke: bool) -> None:
    from jingzhi.accounts.actions import do_revoke_role

    assignment.is_active, assignment.ended_on = False, ended_on
    assignment.note = (f"{assignment.note}；{reason}" if assignment.note else reason)[:300]
    assignment.save(update_fields=["is_active", "ended_on", "note"])
    if revoke and assignment.role_assignment_id:
        do_revoke_role(actor=None, assignment=assignment.role_assignment)
    # A task letter belongs to the chief who signed it: it ends with their term.
    for letter in TaskLetter.objects.select_for_update().filter(chief=assignment, is_active=True):
        letter.is_active, letter.ended_at, letter.end_reason = False, clock.now(), _("街巷长离任")
        letter.save(update_fields=["is_active", "ended_at", "end_reason"])
        audit.record(
            actor=_user(actor),
            verb="rectification.task_letter_ended",
            target=letter,
            old={"is_active": True},
            new={"is_active": False},
            note=letter.end_reason,
        )
    audit.record(
        actor=_user(actor),
        verb="rectification.chief_ended",
        target=assignment,
        old={"is_active": True},
        new={"is_active": False, "ended_on": ended_on},
        note=reason,
    )


def do_end_chief(*, actor, street_code: str, reason: str) -> ChiefAssignment:
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以免去街巷长"), fields={"street": street.code}
        )
    reason = _text(reason, 200)
    if not reason:
        raise InvalidInput(_("请填写离任原因"), fields={"reason": "required"})
    with transaction.atomic():
        current = (
            ChiefAssignment.objects.select_for_update()
            .filter(street_code=street.code, is_active=True)
            .first()
        )
        if current is None:
            raise NotFound(
                _("%(s)s目前没有在任的街巷长") % {"s": street.name}, fields={"street": street.code}
            )
        _end_chief(current, actor=actor, reason=reason, ended_on=_today(), revoke=True)
    return current


# ------------------------------------------------------------------------------------------------ task letters
def do_issue_task_letter(
    *, actor, street_code: str, title: str, targets, starts_on, due_on, target_grade: str = Grade.STANDARD
) -> TaskLetter:
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以下达任务书"), fields={"street": street.code}
        )
    title = _text(title, 200)
    if isinstance(targets, str):
        targets = [line.strip() for line in targets.splitlines()]
    targets = [_text(t, 300) for t in (targets or []) if _text(t)]
    if not title:
        raise InvalidInput(_("请填写任务书标题"), fields={"title": "required"})
    if not targets:
        raise InvalidInput(_("任务书至少要有一项目标"), fields={"targets": "required"})
    starts_on = _date(starts_on, "starts_on", _("开始日期"))
    due_on = _date(due_on, "due_on", _("完成日期"))
    if due_on < starts_on:
        raise InvalidInput(
            _("完成日期 %(d)s 早于开始日期 %(s)s") % {"d": due_on, "s": starts_on},
            fields={"due_on": "before_start"},
        )
    if target_grade not in Grade.values or target_grade == Grade.FAILING:
        raise InvalidInput(_("目标等级只能是精品、优美或达标"), fields={"target_grade": "invalid"})
    with transaction.atomic():
        chief = ChiefAssignment.objects.filter(street_code=street.code, is_active=True).first()
        if chief is None:
            raise InvalidInput(
                _("%(s)s尚无在任街巷长，请先任命街巷长再下达任务书") % {"s": street.name},
                fields={"street": "no_chief"},
            )
        active = (
            TaskLetter.objects.select_for_update().filter(street_code=street.code, is_active=True).first()
        )
        if active is not None:
            raise Conflict(
                _("%(s)s已有有效的任务书“%(t)s”（%(a)s 至 %(b)s），请先终止它再下达新的")
                % {"s": street.name, "t": active.title, "a": active.starts_on, "b": active.due_on},
                code="active_task_letter",
                fields={"street": "active_letter"},
            )
        try:
            with transaction.atomic():
                letter = TaskLetter.objects.create(
                    street_code=street.code,
                    chief=chief,
                    title=title,
                    targets=targets,
                    target_grade=target_grade,
                    starts_on=starts_on,
                    due_on=due_on,
                    issued_by=_user(actor),
                )
        except IntegrityError:
            raise Conflict(
                _("%(s)s已有有效的任务书") % {"s": street.name},
                code="active_task_letter",
                fields={"street": "active_letter"},
            ) from None
        audit.record(
            actor=_user(actor),
            verb="rectification.task_letter_issued",
            target=letter,
            new={
                "street": street.code,
                "chief": chief.user_id,
                "targets": targets,
                "starts_on": starts_on,
                "due_on": due_on,
            },
        )
        _notify(
            [chief.user],
            verb="task_letter_issued",
            title=_("请签署任务书：%(t)s") % {"t": title},
            link=street_link(street.code),
            target=letter,
        )
    return letter


def do_sign_task_letter(*, actor, letter_id) -> TaskLetter:
    with transaction.atomic():
        letter = (
            TaskLetter.objects.select_for_update()
            .select_related("chief")
            .filter(pk=row_id(letter_id))
            .first()
        )
        if letter is None:
            raise NotFound(_("任务书不存在（编号 %(id)s）") % {"id": letter_id})
        if actor is not None and not permissions.can_sign_letter(actor, letter):
            raise PermissionDenied(_("任务书须由街巷长本人签署"), fields={"letter": letter.pk})
        if not letter.is_active:
            raise Conflict(_("该任务书已终止，不能签署"), fields={"letter": "ended"})
        if letter.signed_at is not None:
            return letter
        letter.signed_at = clock.now()
        letter.save(update_fields=["signed_at"])
        audit.record(
            actor=_user(actor),
            verb="rectification.task_letter_signed",
            target=letter,
            old={"signed_at": None},
            new={"signed_at": letter.signed_at},
        )
    return letter


def do_end_task_letter(*, actor, letter_id, reason: str) -> TaskLetter:
    with transaction.atomic():
        letter = TaskLetter.objects.select_for_update().filter(pk=row_id(letter_id)).first()
        if letter is None:
            raise NotFound(_("任务书不存在（编号 %(id)s）") % {"id": letter_id})
        if actor is not None and not permissions.can_manage_street(actor, letter.street_code):
            raise PermissionDenied(
                _("只有该街巷所在街道或区的管理员可以终止任务书"), fields={"letter": letter.pk}
            )
        reason = _text(reason, 300)
        if not reason:
            raise InvalidInput(_("请填写终止原因"), fields={"reason": "required"})
        if not letter.is_active:
            return letter
        letter.is_active, letter.ended_at, letter.end_reason = False, clock.now(), reason
        letter.save(update_fields=["is_active", "ended_at", "end_reason"])
        audit.record(
            actor=_user(actor),
            verb="rectification.task_letter_ended",
            target=letter,
            old={"is_active": True},
            new={"is_active": False},
            note=reason,
        )
    return letter


# ------------------------------------------------------------------------------------------------ ledger and board
def do_record_ledger_entry(
    *, actor, street_code: str, kind: str, label: str, quantity=1, note: str = ""
) -> LedgerEntry:
    street = _street(street_code)
    if actor is not None and not permissions.can_keep_ledger(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷的街巷长、小巷管家或管理员可以记台账"), fields={"street": street.code}
        )
    if kind not in LedgerKind.values:
        raise InvalidInput(_("台账类别“%(k)s”无效") % {"k": kind}, fields={"kind": "invalid"})
    label = _text(label, 100)
    if not label:
        raise InvalidInput(_("请填写台账名称"), fields={"label": "required"})
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise InvalidInput(_("数量应为整数"), fields={"quantity": "invalid"}) from None
    if quantity < 0:
        raise InvalidInput(_("数量不能为负数"), fields={"quantity": "invalid"})
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            street_code=street.code,
            kind=kind,
            label=label,
            quantity=quantity,
            note=_text(note, 300),
            recorded_by=_user(actor),
        )
        audit.record(
            actor=_user(actor),
            verb="rectification.ledger_recorded",
            target=entry,
            new={"street": street.code, "kind": kind, "label": label, "quantity": quantity},
        )
    return entry


def do_retire_ledger_entry(*, actor, entry_id, note: str = "") -> LedgerEntry:
    with transaction.atomic():
        entry = LedgerEntry.objects.select_for_update().filter(pk=row_id(entry_id)).first()
        if entry is None or (actor is not None and not permissions.can_keep_ledger(actor, entry.street_code)):
            raise NotFound(_("台账条目不存在，或您无权修改（编号 %(id)s）") % {"id": entry_id})
        if entry.is_current:
            entry.is_current = False
            entry.save(update_fields=["is_current"])
            audit.record(
                actor=_user(actor),
                verb="rectification.ledger_retired",
                target=entry,
                old={"is_current": True},
                new={"is_current": False},
                note=_text(note, 200),
            )
    return entry


BOARD_FIELDS = (
    "property_company",
    "property_phone",
    "chief_public_phone",
    "supervision_phone",
    "target_date",
    "board_note",
)


def do_update_board(*, actor, street_code: str, **values) -> StreetRecord:
    """The facts printed on the responsibility board. Only phone numbers entered here are published."""
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以修改责任公示牌"), fields={"street": street.code}
        )
    unknown = sorted(set(values) - set(BOARD_FIELDS))
    if unknown:
        raise InvalidInput(
            _("公示牌没有这些栏目：%(f)s") % {"f": listing(unknown)}, fields={f: "unknown" for f in unknown}
        )
    with transaction.atomic():
        record = _record(street.code, street.name)
        old, new = {}, {}
        for name, value in values.items():
            if name == "target_date":
                value = _date(value, name, _("整治目标日期")) if value not in (None, "") else None
            else:
                value = _text(value, StreetRecord._meta.get_field(name).max_length)
            if getattr(record, name) != value:
                old[name], new[name] = getattr(record, name), value
                setattr(record, name, value)
        if new:
            record.updated_at = clock.now()
            record.save()
            audit.record(
                actor=_user(actor), verb="rectification.board_updated", target=record, old=old, new=new
            )
    return record


# ------------------------------------------------------------------------------------------------ 一街一策
def do_save_plan(*, actor, street_code: str, title: str, summary: str = "") -> StreetPlan:
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以制定一街一策"), fields={"street": street.code}
        )
    title = _text(title, 200)
    if not title:
        raise InvalidInput(_("请填写方案标题"), fields={"title": "required"})
    with transaction.atomic():
        plan = StreetPlan.objects.select_for_update().filter(street_code=street.code).first()
        if plan is None:
            plan = StreetPlan.objects.create(
                street_code=street.code, title=title, summary=_text(summary), created_by=_user(actor)
            )
            audit.record(
                actor=_user(actor),
                verb="rectification.plan_created",
                target=plan,
                new={"street": street.code, "title": title},
            )
        elif (plan.title, plan.summary) != (title, _text(summary)):
            old = {"title": plan.title, "summary": plan.summary}
            plan.title, plan.summary = title, _text(summary)
            plan.save(update_fields=["title", "summary"])
            audit.record(
                actor=_user(actor),
                verb="rectification.plan_updated",
                target=plan,
                old=old,
                new={"title": title, "summary": plan.summary},
            )
    return plan


def _cases_for(actor, street_code: str, case_ids) -> list:
    from jingzhi.cases.models import Case
    from jingzhi.cases.queries import cases_visible_to

    ids = []
    for value in case_ids or []:
        pk = row_id(str(value).strip() if isinstance(value, str) else value)
        if pk is None:
            raise InvalidInput(_("案件编号“%(v)s”无效") % {"v": value}, fields={"cases": "invalid"})
        ids.append(pk)
    if not ids:
        return []
    qs = Case.objects.all() if actor is None else cases_visible_to(actor)
    found = list(qs.filter(pk__in=ids, street_code=street_code))
    missing = sorted(set(ids) - {c.pk for c in found})
    if missing:
        raise InvalidInput(
            _("案件不存在、不在本街巷或您无权查看：%(ids)s") % {"ids": listing(map(str, missing))},
            fields={"cases": missing},
        )
    return found


def do_add_plan_item(
    *,
    actor,
    street_code: str,
    text: str,
    owner_name: str,
    deadline,
    standard_code: str = "",
    owner: User | None = None,
    case_ids=(),
) -> PlanItem:
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以修改一街一策"), fields={"street": street.code}
        )
    text, owner_name = _text(text, 300), _text(owner_name, 100)
    if not text:
        raise InvalidInput(_("请填写整治内容"), fields={"text": "required"})
    if not owner_name and owner is not None:
        owner_name = owner.display_name or owner.username
    if not owner_name:
        raise InvalidInput(_("请填写责任单位或责任人"), fields={"owner_name": "required"})
    deadline = _date(deadline, "deadline", _("完成期限"))
    standard_code = _text(standard_code, 48)
    if standard_code and not StandardItem.objects.filter(code=standard_code).exists():
        raise InvalidInput(
            _("十无事项编码“%(c)s”不存在") % {"c": standard_code}, fields={"standard_code": "unknown"}
        )
    cases = _cases_for(actor, street.code, case_ids)
    with transaction.atomic():
        plan = StreetPlan.objects.filter(street_code=street.code).first()
        if plan is None:
            plan = StreetPlan.objects.create(
                street_code=street.code,
                title=_("%(s)s一街一策") % {"s": street.name},
                created_by=_user(actor),
            )
            audit.record(
                actor=_user(actor),
                verb="rectification.plan_created",
                target=plan,
                new={"street": street.code, "title": plan.title},
            )
        item = PlanItem.objects.create(
            plan=plan,
            text=text,
            owner_name=owner_name,
            owner=owner,
            deadline=deadline,
            standard_code=standard_code,
        )
        if cases:
            item.cases.set(cases)
        audit.record(
            actor=_user(actor),
            verb="rectification.plan_item_added",
            target=item,
            new={"text": text, "owner": owner_name, "deadline": deadline, "cases": [c.pk for c in cases]},
        )
    return item


def do_update_plan_item(*, actor, item_id, progress=None, note: str = "", case_ids=None) -> PlanItem:
    with transaction.atomic():
        item = PlanItem.objects.select_for_update().select_related("plan").filter(pk=row_id(item_id)).first()
        if item is None or (
            actor is not None
            and not permissions.can_view_street(actor, item.plan.street_code)
            and item.owner_id != getattr(actor, "pk", None)
        ):
            raise NotFound(_("整治事项不存在，或不在您的辖区（编号 %(id)s）") % {"id": item_id})
        if actor is not None and not permissions.can_update_plan_item(actor, item.plan.street_code, item):
            raise PermissionDenied(
                _("只有责任人、街巷长或管理员可以更新该事项的进度"), fields={"item": item.pk}
            )
        old = {"progress": item.progress, "note": item.progress_note}
        if progress not in (None, ""):
            try:
                progress = int(progress)
            except (TypeError, ValueError):
                raise InvalidInput(_("进度应为 0 到 100 的整数"), fields={"progress": "invalid"}) from None
            if not 0 <= progress <= 100:
                raise InvalidInput(_("进度应为 0 到 100 的整数"), fields={"progress": "range"})
            item.progress = progress
        if note:
            item.progress_note = _text(note, 300)
        if case_ids is not None:
            cases = _cases_for(actor, item.plan.street_code, case_ids)
            item.cases.set(cases)
        item.updated_at = clock.now()
        item.save(update_fields=["progress", "progress_note", "updated_at"])
        audit.record(
            actor=_user(actor),
            verb="rectification.plan_item_updated",
            target=item,
            old=old,
            new={
                "progress": item.progress,
                "note": item.progress_note,
                **({"cases": list(case_ids)} if case_ids is not None else {}),
            },
        )
    return item


# ------------------------------------------------------------------------------------------------ stewards
def do_assign_steward(*, actor, street_code: str, user: User, started_on=None) -> StewardAssignment:
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
            started_on=_date(started_on or _today(), "started_on", _("开始日期")),
        )
        audit.record(
            actor=_user(actor),
            verb="rectification.steward_assigned",
            target=assignment,
            new={"street": street.code, "user": user.pk},
        )
    return assignment


def do_end_steward(*, actor, assignment_id, reason: str = "") -> StewardAssignment:
    from jingzhi.accounts.actions import do_revoke_role

    with transaction.atomic():
        assignment = StewardAssignment.objects.select_for_update().filter(pk=row_id(assignment_id)).first()
        if assignment is None:
            raise NotFound(_("小巷管家安排不存在（编号 %(id)s）") % {"id": assignment_id})
        if actor is not None and not permissions.can_manage_street(actor, assignment.street_code):
            raise PermissionDenied(_("只有该街巷所在街道或区的管理员可以调整小巷管家"))
        if not assignment.is_active:
            return assignment
        assignment.is_active, assignment.ended_on = False, _today()
        assignment.save(update_fields=["is_active", "ended_on"])
        if assignment.role_assignment_id:
            do_revoke_role(actor=None, assignment=assignment.role_assignment)
        audit.record(
            actor=_user(actor),
            verb="rectification.steward_ended",
            target=assignment,
            old={"is_active": True},
            new={"is_active": False},
            note=_text(reason, 200),
        )
    return assignment


def do_log_patrol(
    *,
    actor,
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

            x, y = (lon, lat) if lon is not None else _point_on(street)
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
            verb="rectification.patrol_logged",
            target=log,
            new={"street": street.code, "duty": duty, "case": case.pk if case else None},
        )
    return log
