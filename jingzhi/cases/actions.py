"""The only code that writes cases: intake, every transition of the loop, whistles, supervision, import.

Each `do_*` runs in one transaction: lock the case (`select_for_update`), check the version the person saw
(`expected_version`, Conflict when stale), ask `permissions.roles_on_case` and the pure table in `workflow`
(PermissionDenied naming the allowed actions), apply, set the next step's deadlines from taxonomy's limits on
the working calendar (`deadlines`), and write one timeline event plus one audit row — so the state change,
its event and its audit row commit together or not at all. Side effects (hooks, notifications, queued
jobs) go out after commit. `actor` None is the system (imports run by an operator, the demo, cron): it
passes role checks but still leaves its audit row.

Interfaces call the named wrappers (`do_file_case`, `do_dispatch_case`, ...), all thin over
`do_transition(actor=, case_id=, action=, ...)`.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from jingzhi.accounts import access
from jingzhi.accounts.models import Department, User
from jingzhi.cases import deadlines, hooks, permissions, workflow
from jingzhi.cases.exceptions import ActionNotAllowed, HotlineImportError, OutsideJurisdiction, StaleCase
from jingzhi.cases.models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseFollower,
    CaseNumberCounter,
    ExtensionRequest,
    ExtensionStatus,
    Rating,
    Source,
    Supervision,
    SupervisionKind,
    Whistle,
    WhistleSummons,
)
from jingzhi.core import audit, clock, workcalendar
from jingzhi.core.attachments import do_store_image, prepare_image
from jingzhi.core.errors import ApplicationError, Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.core.tasks import enqueue_after_commit
from jingzhi.core.text import listing
from jingzhi.taxonomy.queries import pinned_generation

logger = logging.getLogger(__name__)

# Sources whose reporter is, by default, the person entering the report.
_SELF_REPORTED = {
    Source.RESIDENT_WEB,
    Source.INSPECTOR,
    Source.PATROL,
    Source.COUNCIL,
    Source.STEWARD,
    Source.STREET_CHIEF,
    Source.ASSESSOR,
    Source.OPEN311,
}


# ---------------------------------------------------------------------------------------------------- helpers
def _user(actor):
    return actor if isinstance(actor, User) and actor.pk else None


def _clean_text(value) -> str:
    return str(value or "").strip()


def case_link(case) -> str:
    """The case's page for notifications, when the web interface has registered one."""
    from django.urls import NoReverseMatch, reverse

    for name in ("web:case_detail", "web:case-detail", "cases:detail"):
        try:
            return reverse(name, args=[case.pk])
        except NoReverseMatch:
            continue
    return ""


def _notify(recipients, *, verb: str, title: str, body: str, case=None, target=None) -> None:
    """Through core notifications (sent after commit); a no-op until that module exists."""
    try:
        from jingzhi.core.notifications import notify
    except ImportError:
        return
    unique, seen = [], set()
    for user in recipients:
        if user is not None and user.pk not in seen and getattr(user, "is_active", True):
            seen.add(user.pk)
            unique.append(user)
    if not unique:
        return
    notify(
        recipients=unique,
        verb=verb,
        title=title,
        body=body,
        link=case_link(case) if case else "",
        target=target if target is not None else case,
    )


def _code_prefixes(case) -> set[str]:
    prefixes = set()
    for code in case.place_codes:
        if code.isdigit():
            prefixes.update(code[:n] for n in (6, 9, 12, 15) if n <= len(code))
        else:
            prefixes.add(code)
            prefixes.update(code[:n] for n in (6, 9))
    return prefixes


def staff_for(case, roles) -> list[User]:
    """Active users holding one of `roles` with a jurisdiction covering the case."""
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__is_active=True,
            role_assignments__role__in=list(roles),
            role_assignments__scope_code__in=sorted(_code_prefixes(case)),
        ).distinct()
    )


def handlers_of(department_ids) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            role_assignments__is_active=True,
            role_assignments__role=workflow.HANDLER,
            role_assignments__department_id__in=list(department_ids),
        ).distinct()
    )


def _residents_of(case) -> list[User]:
    users = [case.reporter] if case.reporter_id else []
    users += [f.user for f in CaseFollower.objects.filter(case_id=case.pk).select_related("user")]
    return users


def _prepare_photos(photos) -> list:
    """Check and clean every upload before the action's transaction opens: a bad picture fails before any
    row is touched, and the slow image work never runs while the audit chain's lock is held."""
    return [prepare_image(upload) for upload in photos or ()]


def _store_photos(photos, *, actor, event: CaseEvent, kind: str) -> list[int]:
    """Keep each upload on the event through core's attachments; InvalidInput (bad type/size) rolls back the
    whole action."""
    ids = []
    for upload in photos or ():
        attachment = do_store_image(
            actor=_user(actor), upload=upload, owner=("cases.caseevent", event.pk), kind=kind
        )
        ids.append(attachment.pk)
    return ids


def _record(
    case: Case,
    *,
    actor,
    action: str,
    from_state: str,
    note: str = "",
    data: dict | None = None,
    old: dict | None = None,
    new: dict | None = None,
    photos=(),
    photo_kind: str = "before",
) -> CaseEvent:
    """The timeline event, its photos, then its audit row, all targeting the case (one audit row per event).
    The audit row comes last: appending to the chain takes the chain's lock until commit, so nothing slow
    (image checks, thumbnails) may happen after it."""
    now = clock.now()
    event = CaseEvent.objects.create(
        case=case,
        actor=_user(actor),
        action=action,
        from_state=from_state,
        to_state=case.state,
        note=note,
        data=data or {},
        version=case.version,
        created_at=now,
    )
    attachment_ids = _store_photos(photos, actor=actor, event=event, kind=photo_kind)
    if attachment_ids:
        event.data = {**event.data, "attachments": attachment_ids}
        event.save(update_fields=["data"])
    audit.record(
        actor=_user(actor),
        verb=f"cases.{action}",
        target=case,
        old={"state": from_state, **(old or {})},
        new={"state": case.state, "version": case.version, "event": event.pk, **(new or {})},
        note=note,
    )
    return event


def _next_number(day: date) -> str:
    """The day's next number in one statement: UPDATE … RETURNING holds the row lock until the intake's
    transaction commits, so numbers stay unique and gapless under concurrency (SQLite ≥ 3.35 and PostgreSQL
    both support RETURNING)."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    sql = f"UPDATE {table} SET last = last + 1 WHERE day = %s RETURNING last"
    day_value = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        cursor.execute(sql, [day_value])
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(day=day, last=1)
            last = 1
        except IntegrityError:  # another intake created the day's row first
            with connection.cursor() as cursor:
                cursor.execute(sql, [day_value])
                (last,) = cursor.fetchone()
    else:
        (last,) = row
    return f"JZ{day:%Y%m%d}{last:05d}"


def _set_clock(case: Case, step: str, start) -> None:
    """Start the clock of `step` at `start` with the category's limit (the filing condition's for handling)."""
    if not step:
        case.step, case.step_started_at, case.step_deadline, case.step_limit_unit = "", None, None, ""
        return
    limit = deadlines.limit_of(
        case.category, step, condition=case.filing_condition if step == workflow.STEP_HANDLE else None
    )
    case.step = step
    case.step_started_at = start
    case.step_deadline = deadlines.deadline_for(start, limit)
    case.step_limit_unit = limit.unit if limit else ""


def _start_handle_clock(case: Case, start) -> None:
    limit = deadlines.limit_of(case.category, workflow.STEP_HANDLE, condition=case.filing_condition)
    case.handle_started_at = start
    case.handle_deadline = deadlines.deadline_for(start, limit)
    case.handle_limit_unit = limit.unit if limit else ""


def _follow_handle_clock(case: Case) -> None:
    case.step = workflow.STEP_HANDLE
    case.step_started_at = case.handle_started_at
    case.step_deadline = case.handle_deadline
    case.step_limit_unit = case.handle_limit_unit


def _stamp_overdue(case: Case, now) -> None:
    if case.first_overdue_at is None and case.step_deadline is not None and now > case.step_deadline:
        case.first_overdue_at = case.step_deadline


def _as_category(category):
    from jingzhi.taxonomy.exceptions import UnknownCategory
    from jingzhi.taxonomy.models import Category
    from jingzhi.taxonomy.queries import access_category

    if category is None or category == "":
        return None
    if isinstance(category, Category):
        if not category.is_active:
            raise UnknownCategory(_("案件分类“%(name)s”已停用") % {"name": category.name})
        return category
    return access_category(category)


def _check_description(description) -> str:
    text = _clean_text(description)
    if not text:
        raise InvalidInput(_("请填写问题描述"), fields={"description": "required"})
    limit = deadlines.description_max()
    if len(text) > limit:
        raise InvalidInput(
            _("问题描述共 %(n)d 字，超过上限 %(max)d 字，请精简") % {"n": len(text), "max": limit},
            fields={"description": "too_long"},
        )
    return text


# ---------------------------------------------------------------------------------------------------- intake
def _locate(lon, lat, crs: str):
    """(wgs84 lon, lat, place dict) for a report; OutsideJurisdiction unless a district takes them."""
    from jingzhi.geo.coords import gcj02_to_wgs84
    from jingzhi.geo.locate import CRS_NAMES, locate
    from jingzhi.geo.models import Community, District, Grid, Street, Subdistrict
    from jingzhi.geo.queries import active_generation

    if lon is None or lat is None or lon == "" or lat == "":
        raise InvalidInput(_("请提供问题位置（经纬度）"), fields={"lon": "required", "lat": "required"})
    location = locate(lon, lat, crs=crs)
    x, y = float(lon), float(lat)
    if CRS_NAMES.get(str(crs).lower()) == "gcj02":
        x, y = gcj02_to_wgs84(x, y)
    place = {"grid": None, "community": None, "subdistrict": None, "district": None, "street": None}
    if location.inside:
        ids = {level: (getattr(location, level) or {}).get("id") for level in place}
        models = {
            "grid": Grid,
            "community": Community,
            "subdistrict": Subdistrict,
            "district": District,
            "street": Street,
        }
        for level, model in models.items():
            if ids[level]:
                # The locator's index already holds id, code and name: build the row from them rather than
                # read each level back (four or five queries per report); other fields load on first use.
                found = getattr(location, level)
                known = {"id": found["id"], "code": found["code"], "name": found["name"]}
                if location.generation_id:
                    known["generation_id"] = location.generation_id
                names = [f.attname for f in model._meta.concrete_fields if f.attname in known]
                place[level] = model.from_db(None, names, [known[n] for n in names])
        return x, y, place
    fallback = deadlines.outside_fallback_district()
    if fallback:
        generation = active_generation()
        district = (
            District.objects.only("id", "code", "name").filter(generation=generation, code=fallback).first()
            if generation
            else None
        )
        place["district"] = district
        place["district_code"] = fallback
        return x, y, place
    raise OutsideJurisdiction(
        _("%(why)s。请确认位置，或联系本区 12345 热线。")
        % {"why": location.message or _("该位置不在本辖区任何网格内")},
        fields={"lon": x, "lat": y},
    )


def _apply_place(case: Case, place: dict) -> None:
    case.grid, case.community = place["grid"], place["community"]
    case.subdistrict, case.district, case.street = place["subdistrict"], place["district"], place["street"]
    case.grid_code = place["grid"].code if place["grid"] else ""
    case.community_code = place["community"].code if place["community"] else ""
    case.subdistrict_code = place["subdistrict"].code if place["subdistrict"] else ""
    case.district_code = place["district"].code if place["district"] else place.get("district_code", "")
    case.street_code = place["street"].code if place["street"] else ""
    # A finer code implies the coarser ones even when a level row is missing.
    finest = case.grid_code or case.community_code or case.subdistrict_code
    if finest:
        case.subdistrict_code = case.subdistrict_code or finest[:9]
        case.district_code = case.district_code or finest[:6]


def _existing(source: str, idempotency_key: str, external_ref: str) -> Case | None:
    if idempotency_key:
        found = Case.objects.filter(source=source, idempotency_key=idempotency_key).first()
        if found:
            return found
    if external_ref:
        return Case.objects.filter(source=source, external_ref=external_ref).first()
    return None


@pinned_generation()
def do_open_case(
    *,
    actor,
    source: str,
    description: str,
    lon=None,
    lat=None,
    crs: str = "wgs84",
    address: str = "",
    category=None,
    filing_condition=None,
    reporter=None,
    reporter_name: str = "",
    reporter_phone: str = "",
    idempotency_key: str | None = None,
    external_ref: str | None = None,
    photos=(),
    request_type=None,
    urgency=None,
    duplicate_of=None,
    reported_at=None,
) -> Case:
    """Take in a report. Locates it (outside every grid: OutsideJurisdiction, unless
    JINGZHI_OUTSIDE_FALLBACK_DISTRICT names a district that takes it), suggests a category from the text when
    none is given, starts the verification clock (an inspector's own report starts at 待立案), and returns
    the case. The same `idempotency_key` (or `external_ref`) from the same source returns the case already
    made and creates nothing. `duplicate_of` records the report as a duplicate merged into that case, whose
    followers its reporter joins."""
    from jingzhi.cases.suggest import suggestions
    from jingzhi.taxonomy.queries import access_filing_condition

    if source not in Source.values:
        raise InvalidInput(_("来源“%(source)s”无效") % {"source": source}, fields={"source": "invalid"})
    idempotency_key = _clean_text(idempotency_key)[:100]
    external_ref = _clean_text(external_ref)[:64]
    text = _check_description(description)
    photos = _prepare_photos(photos)
    category = _as_category(category)
    suggestion = []
    if category is None:
        # The learned model when trained, keyword matches otherwise; each entry keeps the words behind it.
        suggested = suggestions(text, 3)
        suggestion = [s.as_dict() for s in suggested]
        category = suggested[0].category if suggested else None
    condition = None
    if filing_condition is not None and category is not None:
        condition = access_filing_condition(category, getattr(filing_condition, "pk", filing_condition))
    if request_type is not None and not hasattr(request_type, "pk"):
        from jingzhi.taxonomy.queries import request_type_by_code

        request_type = request_type_by_code(str(request_type))
    if urgency is not None and not hasattr(urgency, "pk"):
        from jingzhi.taxonomy.queries import urgency_by_code

        urgency = urgency_by_code(str(urgency))
    x, y, place = _locate(lon, lat, crs)
    if reporter is None and source in _SELF_REPORTED and _user(actor) is not None:
        reporter = actor
    if reporter is not None:
        reporter_name = reporter_name or reporter.display_name or reporter.username
        reporter_phone = reporter_phone or reporter.phone
    now = clock.now()
    reported_at = reported_at or now
    state = workflow.initial_state(
        source, actor_is_inspector=bool(_user(actor) and access.has_role(actor, workflow.INSPECTOR))
    )
    try:
        with transaction.atomic():
            case = Case(
                number=_next_number(workcalendar._local(reported_at).date()),
                source=source,
                state=state,
                category=category,
                filing_condition=condition,
                request_type=request_type,
                urgency=urgency,
                suggestion=suggestion,
                description=text,
                lon=x,
                lat=y,
                address=_clean_text(address)[:200],
                reporter=reporter,
                reporter_name=_clean_text(reporter_name)[:64],
                reporter_phone=_clean_text(reporter_phone)[:32],
                created_by=_user(actor),
                idempotency_key=idempotency_key,
                external_ref=external_ref,
                reported_at=reported_at,
                updated_at=now,
            )
            _apply_place(case, place)
            _set_clock(case, workflow.STATE_STEP[state], reported_at)
            if state == workflow.PENDING_FILING:
                case.verified_at = reported_at
            if urgency is not None:
                case.feedback_deadline = deadlines.deadline_for(reported_at, urgency.limit)
            # A retried submission (same idempotency key or hotline number from the same source) fails this
            # insert on the unique constraint and is answered below with the case it made the first time.
            case.save()
            duplicates = []
            if category is not None:
                from jingzhi.cases.queries import find_duplicate_ids

                duplicates = [
                    pk for pk, _m in find_duplicate_ids(category, x, y, reported_at, exclude_id=case.pk)
                ]
            _record(
                case,
                actor=actor,
                action=workflow.OPEN,
                from_state="",
                note=text[:200],
                data={
                    "source": source,
                    "possible_duplicates": duplicates,
                    "category": category.pk if category else None,
                },
                new={"number": case.number, "source": source},
                photos=photos,
                photo_kind="before",
            )
            hooks.case_changed(
                case_id=case.pk,
                action=workflow.OPEN,
                from_state="",
                to_state=state,
                actor_id=getattr(_user(actor), "pk", None),
            )
            if duplicate_of is not None:
                _merge_new_report(case, duplicate_of, actor=actor)
            else:
                # Who to tell (reporter, the operators or shift leads over the place) is worked out by a
                # background job after commit, not inside the resident's request.
                from jingzhi.cases.tasks import notify_case_opened

                enqueue_after_commit(notify_case_opened, case.pk)
    except IntegrityError:
        # A retry of the same submission (earlier, or concurrent and committed first) holds the unique key:
        # answer with its case.
        existing = _existing(source, idempotency_key, external_ref)
        if existing is None:
            raise
        existing.replayed = True  # tells an interface that this request made nothing
        return existing
    return case


def send_case_opened_notices(case_id: int) -> None:
    """The notices for a new report: the reporter's receipt and the operators' (待核实) or shift leads'
    (待立案) alert. Run after commit by the `notify_case_opened` job; a case gone or merged meanwhile
    gets none."""
    with transaction.atomic():
        case = Case.objects.select_related("reporter").filter(pk=case_id).first()
        if case is None or case.state == workflow.MERGED:
            return
        _notify_opened(case)


def _notify_opened(case: Case) -> None:
    if case.reporter_id:
        _notify(
            [case.reporter],
            verb="case_opened",
            title=_("您的反映已受理：%(n)s") % {"n": case.number},
            body=_("我们已收到您反映的问题，将尽快核实处理。"),
            case=case,
        )
    roles = (workflow.OPERATOR,) if case.state == workflow.REPORTED else (workflow.SHIFT_LEAD,)
    _notify(
        staff_for(case, roles),
        verb="case_opened",
        title=_("新案件%(state)s：%(n)s") % {"state": case.state_label, "n": case.number},
        body=case.description[:200],
        case=case,
    )


def _end_assignments(case: Case, now) -> None:
    """A finished case keeps its assignments active — they name the departments that handled it, on its
    page and in their history — but their work has ended: `ended_at` takes them out of the co-handling
    index, so a department's queue does not grow with every case it ever helped on."""
    CaseAssignment.objects.filter(case=case, is_active=True, ended_at__isnull=True).update(ended_at=now)


def _root(case: Case) -> Case:
    seen = set()
    while case.merged_into_id and case.pk not in seen:
        seen.add(case.pk)
        case = Case.objects.get(pk=case.merged_into_id)
    return case


def _merge_new_report(case: Case, duplicate_of, *, actor) -> None:
    target_id = getattr(duplicate_of, "pk", duplicate_of)
    target = Case.objects.select_for_update().filter(pk=target_id).first()
    if target is None or target.state in workflow.FINISHED:
        raise InvalidInput(_("所选的重复案件不存在或已办结，请直接上报"), fields={"duplicate_of": "invalid"})
    _merge(case, _root(target), actor=actor, note=_("上报人选择关注已有案件"))


def _merge(case: Case, target: Case, *, actor, note: str) -> None:
    """Link `case` into `target`: reporters and followers of the duplicate follow the target; the
    duplicate ends as merged and counts once (as the target) in statistics."""
    if target.pk == case.pk:
        raise InvalidInput(_("不能把案件合并到它自己"), fields={"target": "self"})
    if target.state in workflow.FINISHED:
        raise InvalidInput(
            _("目标案件 %(n)s 已办结（%(state)s），不能合并进去")
            % {"n": target.number, "state": target.state_label},
            fields={"target": "finished"},
        )
    from_state = case.state
    case.state = workflow.MERGED
    case.merged_into = target
    _end_assignments(case, clock.now())
    _set_clock(case, "", None)
    case.version += 1
    case.updated_at = clock.now()
    case.save()
    _record(
        case,
        actor=actor,
        action=workflow.MERGE,
        from_state=from_state,
        note=note,
        data={"into": target.pk, "into_number": target.number},
        new={"merged_into": target.number},
    )
    people = _residents_of(case)
    for user in people:
        CaseFollower.objects.get_or_create(case=target, user=user, defaults={"via_case": case})
    target.version += 1
    target.updated_at = clock.now()
    target.save(update_fields=["version", "updated_at"])
    _record(
        target,
        actor=actor,
        action=workflow.MERGED_IN,
        from_state=target.state,
        note=_("合并重复件 %(n)s") % {"n": case.number},
        data={"from": case.pk, "from_number": case.number},
        new={"merged_from": case.number},
    )
    hooks.case_changed(
        case_id=case.pk,
        action=workflow.MERGE,
        from_state=from_state,
        to_state=workflow.MERGED,
        actor_id=getattr(_user(actor), "pk", None),
        into_id=target.pk,
    )
    _notify(
        people,
        verb="case_merged",
        title=_("您反映的问题已并入案件 %(n)s") % {"n": target.number},
        body=_("同一问题已有人反映，我们会合并办理，并把进展告诉您。"),
        case=target,
    )


def do_follow_case(*, actor, case_id) -> CaseFollower:
    """A resident follows an open case (instead of filing a duplicate); idempotent."""
    if _user(actor) is None:
        raise PermissionDenied(_("请先登录再关注案件"))
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or case.state in workflow.TERMINAL:
            raise NotFound(_("案件不存在或已结束"))
        follower, created = CaseFollower.objects.get_or_create(case=case, user=actor)
        if created:
            case.version += 1
            case.updated_at = clock.now()
            case.save(update_fields=["version", "updated_at"])
            _record(case, actor=actor, action=workflow.FOLLOW, from_state=case.state)
    return follower


# ---------------------------------------------------------------------------------------------------- transitions
def _lock(case_id) -> Case:
    try:
        pk = int(getattr(case_id, "pk", case_id))
    except (TypeError, ValueError):
        pk = None
    case = Case.objects.select_for_update().filter(pk=pk).first() if pk is not None else None
    if case is None:
        raise NotFound(_("案件不存在，或您无权查看（编号 %(id)s）") % {"id": case_id})
    return case


def _check_version(case: Case, expected_version) -> None:
    if expected_version is None or expected_version == "":
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise InvalidInput(_("版本号无效"), fields={"expected_version": "invalid"}) from None
    if case.version != expected:
        raise StaleCase(expected=expected, actual=case.version)


def _require(transition: workflow.Transition, action: str, *, note: str, data: dict) -> None:
    labels = {
        "reason": _("理由"),
        "note": _("说明"),
        "days": _("延期天数"),
        "review_date": _("复核日期"),
        "target": _("要合并到的案件"),
        "rating": _("评价"),
    }
    for need in transition.requires:
        value = note if need in ("reason", "note") else data.get(need)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidInput(
                _("“%(action)s”须填写%(what)s")
                % {"action": workflow.action_label(action), "what": labels.get(need, need)},
                fields={need: "required"},
            )


def do_transition(
    *, actor, case_id, action: str, expected_version=None, note: str = "", photos=(), **data
) -> Case:
    """Take `action` on the case. Raises NotFound (missing or not visible), StaleCase (someone acted
    first), ActionNotAllowed (state or role; names the allowed actions) or InvalidInput (missing reason,
    extension past the maximum, ...)."""
    apply = _APPLY.get(action)
    if apply is None and action != workflow.MERGE:
        raise InvalidInput(_("未知的案件操作“%(action)s”") % {"action": action}, fields={"action": "unknown"})
    note = _clean_text(note)
    photos = _prepare_photos(photos)
    with transaction.atomic():
        case = _lock(case_id)
        if actor is not None and not permissions.can_see(actor, case):
            raise NotFound(_("案件不存在，或您无权查看（编号 %(id)s）") % {"id": case_id})
        _check_version(case, expected_version)
        roles = set(workflow.ALL_ROLES) if actor is None else permissions.roles_on_case(actor, case)
        try:
            transition = workflow.check(case.state, action, roles)
        except workflow.Refusal as refusal:
            raise ActionNotAllowed(refusal.message, allowed=refusal.allowed, reason=refusal.kind) from None
        _require(transition, action, note=note, data=data)
        days = data.get("days")
        facts = permissions.facts_of(case, requested_days=int(days) if isinstance(days, int) else 0)
        problem = workflow.guard_problem(action, facts)
        if problem:
            raise InvalidInput(problem, fields={"action": action})
        if action == workflow.MERGE:
            _merge(case, _merge_target(case, actor=actor, data=data), actor=actor, note=note)
            return case
        now = clock.now()
        from_state = case.state
        _stamp_overdue(case, now)
        case.state = transition.to or case.state
        result = apply(case, actor=actor, now=now, note=note, data=data) or {}
        if case.state in workflow.FINISHED and from_state not in workflow.FINISHED:
            _end_assignments(case, now)
        if case.state != from_state and not result.get("clock_set"):
            _set_clock(case, workflow.STATE_STEP[case.state], now)
        case.version += 1
        case.updated_at = now
        case.save()
        kind = {workflow.FEEDBACK: "after", workflow.CHECK_PASS: "check", workflow.CHECK_FAIL: "check"}.get(
            action, "before"
        )
        _record(
            case,
            actor=actor,
            action=action,
            from_state=from_state,
            note=note,
            data=result.get("data", {}),
            new=result.get("audit", {}),
            photos=photos,
            photo_kind=kind,
        )
        hooks.case_changed(
            case_id=case.pk,
            action=action,
            from_state=from_state,
            to_state=case.state,
            actor_id=getattr(_user(actor), "pk", None),
            **result.get("hook", {}),
        )
        for recipients, verb, title, body in result.get("notify", []):
            _notify(recipients, verb=verb, title=title, body=body, case=case)
    return case


# --- per-action effects (called with the case locked and its new state set) --------------------------------


def _apply_verify_request(case, *, actor, now, note, data):
    return {
        "clock_set": True,
        "notify": [
            (
                staff_for(case, [workflow.INSPECTOR]),
                "verify_request",
                _("请核实案件 %(n)s") % {"n": case.number},
                case.description[:200],
            )
        ],
    }


def _apply_verify(case, *, actor, now, note, data):
    case.verified_at = now
    return {
        "notify": [
            (
                staff_for(case, [workflow.SHIFT_LEAD]),
                "case_verified",
                _("案件 %(n)s 已核实，待立案") % {"n": case.number},
                note,
            )
        ]
    }


def _apply_file(case, *, actor, now, note, data):
    from jingzhi.taxonomy.queries import access_filing_condition

    if data.get("category") not in (None, ""):
        case.category = _as_category(data["category"])
        case.filing_condition = None
    if case.category is None:
        raise InvalidInput(_("立案须选择案件分类"), fields={"category": "required"})
    if data.get("filing_condition") not in (None, ""):
        case.filing_condition = access_filing_condition(
            case.category, getattr(data["filing_condition"], "pk", data["filing_condition"])
        )
    elif case.filing_condition_id and case.filing_condition.category_id != case.category_id:
        case.filing_condition = None
    case.filed_at = now
    from jingzhi.cases.suggest import note_filing

    note_filing()  # every N filings the category suggester relearns from the confirmed categories
    return {
        "data": {"category": case.category_id, "filing_condition": case.filing_condition_id},
        "audit": {"category": case.category.code, "filing_condition": case.filing_condition_id},
        "notify": [
            (
                staff_for(case, [workflow.DISPATCHER]),
                "case_filed",
                _("案件 %(n)s 已立案，待派遣") % {"n": case.number},
                case.description[:200],
            )
        ],
    }


def _end_reporter_step(case, *, actor, now, note, data):
    return {
        "notify": [
            (
                _residents_of(case),
                f"case_{case.state}",
                _("案件 %(n)s：%(state)s") % {"n": case.number, "state": case.state_label},
                note,
            )
        ]
    }


def _merge_target(case, *, actor, data) -> Case:
    target_id = getattr(data.get("target"), "pk", data.get("target"))
    target = (
        Case.objects.select_for_update().filter(pk=target_id).first() if target_id not in (None, "") else None
    )
    if target is None or (actor is not None and not permissions.can_see(actor, target)):
        raise InvalidInput(_("要合并到的案件不存在或不在您的辖区"), fields={"target": "unknown"})
    return _root(target)


def _place_of(case):
    from jingzhi.duties.routing import Place

    return Place(
        grid=case.grid_code or None,
        community=case.community_code or None,
        subdistrict=case.subdistrict_code or None,
        district=case.district_code or None,
        street=case.street_code or None,
        label=case.grid.name if case.grid_id else case.address,
    )


def _apply_dispatch(case, *, actor, now, note, data):
    if case.category is None:
        raise InvalidInput(_("派遣前须先确定案件分类"), fields={"category": "required"})
    departments = data.get("departments")
    lead = data.get("lead")
    if departments:
        departments = _departments(departments)
        if lead is not None:
            lead = next((d for d in departments if d.pk == getattr(lead, "pk", lead)), None)
            if lead is None:
                raise InvalidInput(_("牵头部门须是所选部门之一"), fields={"lead": "invalid"})
        elif len(departments) == 1:
            lead = departments[0]
        else:
            raise InvalidInput(_("派遣给多个部门时须指定牵头部门"), fields={"lead": "required"})
        who = listing(d.name + (_("（牵头）") if d.pk == lead.pk else "") for d in departments)
        routing = {
            "manual": True,
            "departments": [{"id": d.pk, "code": d.code, "name": d.name} for d in departments],
            "lead": lead.pk,
            "rule": None,
            "fallback": False,
            "reason": _("%(who)s — 人工派遣（%(by)s）%(note)s")
            % {"who": who, "by": str(_user(actor) or _("系统")), "note": f"：{note}" if note else ""},
        }
    else:
        from jingzhi.duties.actions import route_and_record

        decision = route_and_record(case.category, _place_of(case), actor=_user(actor))
        if not decision.departments:
            raise InvalidInput(decision.reason, fields={"departments": "required"})
        departments = list(Department.objects.filter(pk__in=decision.department_ids))
        departments.sort(key=lambda d: decision.department_ids.index(d.pk))
        lead = next((d for d in departments if decision.lead and d.pk == decision.lead.id), departments[0])
        routing = {"manual": False, **decision.as_dict()}
    CaseAssignment.objects.filter(case=case, is_active=True).update(is_active=False, ended_at=now)
    CaseAssignment.objects.bulk_create(
        [
            CaseAssignment(case=case, department=d, is_lead=(d.pk == lead.pk), assigned_at=now)
            for d in departments
        ]
    )
    case.lead_department = lead
    case.routing = routing
    case.dispatched_at = now
    respond = deadlines.limit_of(case.category, workflow.STEP_RESPOND)
    case.response_deadline = deadlines.deadline_for(now, respond)
    _start_handle_clock(case, now)
    case.step, case.step_started_at = workflow.STEP_RESPOND, now
    case.step_deadline, case.step_limit_unit = case.response_deadline, respond.unit if respond else ""
    return {
        "clock_set": True,
        "data": {"departments": [d.pk for d in departments], "lead": lead.pk, "reason": routing["reason"]},
        "audit": {"departments": [d.code for d in departments], "lead": lead.code},
        "notify": [
            (
                handlers_of([d.pk for d in departments]),
                "case_dispatched",
                _("新派遣案件 %(n)s，请及时响应") % {"n": case.number},
                case.description[:200],
            )
        ],
    }


def _departments(values) -> list[Department]:
    ids = [getattr(v, "pk", v) for v in values]
    found = {d.pk: d for d in Department.objects.filter(pk__in=ids, is_active=True)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise InvalidInput(
            _("部门不存在或已停用：%(ids)s") % {"ids": listing(missing)}, fields={"departments": missing}
        )
    return [found[i] for i in dict.fromkeys(ids)]


def _actor_department(case, actor) -> int | None:
    if actor is None:
        return case.lead_department_id
    mine = permissions.actor_departments_on_case(actor, case)
    return mine[0] if mine else case.lead_department_id


def _apply_accept(case, *, actor, now, note, data):
    department_id = _actor_department(case, actor)
    CaseAssignment.objects.filter(case=case, is_active=True, department_id=department_id).update(
        accepted_at=now
    )
    case.responded_at = case.responded_at or now
    _follow_handle_clock(case)
    return {"clock_set": True, "data": {"department": department_id}}


def _apply_return(case, *, actor, now, note, data):
    department_id = _actor_department(case, actor)
    CaseAssignment.objects.filter(case=case, is_active=True, department_id=department_id).update(
        returned=True, return_reason=note
    )
    CaseAssignment.objects.filter(case=case, is_active=True).update(is_active=False, ended_at=now)
    case.return_count += 1
    case.lead_department = None
    case.response_deadline = case.handle_deadline = case.handle_started_at = None
    case.handle_limit_unit = ""
    escalate = workflow.should_escalate(case.return_count, deadlines.escalate_after_returns())
    recipients = staff_for(case, [workflow.DISPATCHER])
    if escalate and not case.is_escalated:
        case.is_escalated = True
        case.supervision_count += 1
        Supervision.objects.create(
            case=case,
            kind=SupervisionKind.ESCALATION,
            created_by=None,
            note=_("已退单 %(n)d 次，转值班长督办") % {"n": case.return_count},
            step=workflow.STEP_DISPATCH,
            created_at=now,
        )
        recipients += staff_for(case, [workflow.SHIFT_LEAD])
    return {
        "data": {"department": department_id, "return_count": case.return_count, "escalated": escalate},
        "audit": {"return_count": case.return_count, "is_escalated": case.is_escalated},
        "hook": {"department_id": department_id},
        "notify": [
            (
                recipients,
                "case_returned",
                _("案件 %(n)s 被退单（第 %(c)d 次）") % {"n": case.number, "c": case.return_count},
                note,
            )
        ],
    }


def _apply_request_extension(case, *, actor, now, note, data):
    days = data.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        raise InvalidInput(_("延期天数须为正整数（工作日）"), fields={"days": "invalid"})
    request = ExtensionRequest.objects.create(
        case=case,
        department_id=_actor_department(case, actor),
        requested_by=_user(actor),
        days=days,
        reason=note,
        created_at=now,
    )
    return {
        "clock_set": True,
        "data": {"request": request.pk, "days": days},
        "audit": {"extension_request": request.pk, "days": days},
        "notify": [
            (
                staff_for(case, [workflow.DISPATCHER, workflow.SHIFT_LEAD]),
                "extension_requested",
                _("案件 %(n)s 申请延期 %(d)d 个工作日") % {"n": case.number, "d": days},
                note,
            )
        ],
    }


def _pending_extension(case) -> ExtensionRequest:
    return (
        ExtensionRequest.objects.select_for_update()
        .filter(case=case, status=ExtensionStatus.PENDING)
        .latest("created_at", "id")
    )


def _apply_approve_extension(case, *, actor, now, note, data):
    request = _pending_extension(case)
    if case.extension_days + request.days > deadlines.max_extension_days():
        raise InvalidInput(
            _("批准后累计延期超过上限 %(max)d 个工作日") % {"max": deadlines.max_extension_days()},
            fields={"days": "too_many"},
        )
    request.status, request.decided_by, request.decided_at = ExtensionStatus.APPROVED, _user(actor), now
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    base = case.handle_deadline or now
    case.handle_deadline = workcalendar.add_working_days(base, request.days)
    case.extension_days += request.days
    if case.step == workflow.STEP_HANDLE:
        case.step_deadline = case.handle_deadline
    return {
        "clock_set": True,
        "data": {"request": request.pk, "days": request.days},
        "audit": {"handle_deadline": case.handle_deadline, "extension_days": case.extension_days},
        "notify": [
            (
                handlers_of([request.department_id] if request.department_id else []),
                "extension_approved",
                _("案件 %(n)s 延期已批准") % {"n": case.number},
                note,
            )
        ],
    }


def _apply_refuse_extension(case, *, actor, now, note, data):
    request = _pending_extension(case)
    request.status, request.decided_by, request.decided_at = ExtensionStatus.REFUSED, _user(actor), now
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return {
        "clock_set": True,
        "data": {"request": request.pk},
        "notify": [
            (
                handlers_of([request.department_id] if request.department_id else []),
                "extension_refused",
                _("案件 %(n)s 延期未获批准") % {"n": case.number},
                note,
            )
        ],
    }


def _apply_park(case, *, actor, now, note, data):
    review = data.get("review_date")
    if isinstance(review, str):
        try:
            review = date.fromisoformat(review)
        except ValueError:
            raise InvalidInput(_("复核日期格式应为 YYYY-MM-DD"), fields={"review_date": "invalid"}) from None
    if not isinstance(review, date) or review <= workcalendar._local(now).date():
        raise InvalidInput(_("复核日期须晚于今天"), fields={"review_date": "invalid"})
    case.parked_until = review
    return {"data": {"review_date": review.isoformat()}, "audit": {"parked_until": review}}


def _apply_unpark(case, *, actor, now, note, data):
    case.parked_until = None
    # The handling clock restarts with the full limit: the work waited on something outside the department.
    _start_handle_clock(case, now)
    _follow_handle_clock(case)
    return {
        "clock_set": True,
        "notify": [
            (
                handlers_of(permissions.active_department_ids(case)),
                "case_unparked",
                _("挂账案件 %(n)s 恢复办理") % {"n": case.number},
                note,
            )
        ],
    }


def _apply_feedback(case, *, actor, now, note, data):
    case.handled_at = now
    return {
        "data": {"department": _actor_department(case, actor)},
        "notify": [
            (
                staff_for(case, [workflow.INSPECTOR]),
                "case_feedback",
                _("案件 %(n)s 已处置，请核查") % {"n": case.number},
                note,
            )
        ],
    }


def _apply_check_pass(case, *, actor, now, note, data):
    case.checked_at = now
    return {
        "notify": [
            (
                staff_for(case, [workflow.OPERATOR]),
                "case_checked",
                _("案件 %(n)s 核查通过，待回访") % {"n": case.number},
                note,
            ),
            (
                _residents_of(case),
                "case_resolved",
                _("您反映的问题已处理：%(n)s") % {"n": case.number},
                _("问题已处理并经现场核查，欢迎评价。"),
            ),
        ]
    }


def _apply_check_fail(case, *, actor, now, note, data):
    case.rework_count += 1
    case.handled_at = None
    # Rework gets a fresh handling limit: the department must redo the work, not merely finish it.
    _start_handle_clock(case, now)
    _follow_handle_clock(case)
    return {
        "clock_set": True,
        "data": {"rework_count": case.rework_count},
        "audit": {"rework_count": case.rework_count},
        "notify": [
            (
                handlers_of(permissions.active_department_ids(case)),
                "case_rework",
                _("案件 %(n)s 核查未通过，请返工") % {"n": case.number},
                note,
            )
        ],
    }


def _check_rating(value) -> str:
    if value not in Rating.values:
        raise InvalidInput(_("评价应为 满意、基本满意、不满意 之一"), fields={"rating": "invalid"})
    return value


def _apply_close(case, *, actor, now, note, data):
    case.closed_at = now
    rating = data.get("rating")
    if rating:
        case.rating, case.rated_at = _check_rating(rating), now
        case.rating_comment = _clean_text(data.get("comment"))
    return {
        "data": {"rating": case.rating},
        "audit": {"rating": case.rating},
        "notify": [(_residents_of(case), "case_closed", _("案件 %(n)s 已结案") % {"n": case.number}, note)],
    }


def _apply_rate(case, *, actor, now, note, data):
    case.rating = _check_rating(data.get("rating"))
    case.rating_comment = _clean_text(data.get("comment")) or note
    case.rated_at = now
    if case.closed_at is None:
        case.closed_at = now
    return {
        "data": {"rating": case.rating},
        "audit": {"rating": case.rating},
        "hook": {"rating": case.rating},
    }


def _apply_reopen(case, *, actor, now, note, data):
    case.reopen_count += 1
    case.rating, case.rating_comment, case.rated_at = "", "", None
    case.closed_at = case.handled_at = case.checked_at = None
    case.lead_department = None
    case.response_deadline = case.handle_deadline = case.handle_started_at = None
    CaseAssignment.objects.filter(case=case, is_active=True).update(is_active=False, ended_at=now)
    return {
        "audit": {"reopen_count": case.reopen_count},
        "notify": [
            (
                staff_for(case, [workflow.DISPATCHER, workflow.SHIFT_LEAD]),
                "case_reopened",
                _("案件 %(n)s 因群众不满意重新办理") % {"n": case.number},
                note,
            )
        ],
    }


def _apply_supervise(case, *, actor, now, note, data):
    case.supervision_count += 1
    supervision = Supervision.objects.create(
        case=case,
        kind=SupervisionKind.MANUAL,
        created_by=_user(actor),
        note=note,
        step=case.step,
        step_deadline=case.step_deadline,
        created_at=now,
    )
    recipients = handlers_of(permissions.active_department_ids(case)) or staff_for(
        case, [workflow.DISPATCHER, workflow.SHIFT_LEAD]
    )
    return {
        "clock_set": True,
        "data": {"supervision": supervision.pk},
        "audit": {"supervision_count": case.supervision_count},
        "notify": [(recipients, "case_supervised", _("督办：案件 %(n)s") % {"n": case.number}, note)],
    }


def _apply_whistle(case, *, actor, now, note, data):
    raise InvalidInput(_("请使用吹哨功能（选择部门与报到时限）"), fields={"action": "whistle"})


_APPLY = {
    workflow.VERIFY_REQUEST: _apply_verify_request,
    workflow.VERIFY: _apply_verify,
    workflow.FILE: _apply_file,
    workflow.NOT_FILE: _end_reporter_step,
    workflow.VOID_ACTION: _end_reporter_step,
    workflow.DISPATCH: _apply_dispatch,
    workflow.ACCEPT: _apply_accept,
    workflow.RETURN: _apply_return,
    workflow.REQUEST_EXTENSION: _apply_request_extension,
    workflow.APPROVE_EXTENSION: _apply_approve_extension,
    workflow.REFUSE_EXTENSION: _apply_refuse_extension,
    workflow.PARK: _apply_park,
    workflow.UNPARK: _apply_unpark,
    workflow.FEEDBACK: _apply_feedback,
    workflow.CHECK_PASS: _apply_check_pass,
    workflow.CHECK_FAIL: _apply_check_fail,
    workflow.CALLBACK: _apply_close,
    workflow.CLOSE: _apply_close,
    workflow.RATE: _apply_rate,
    workflow.REOPEN: _apply_reopen,
    workflow.SUPERVISE: _apply_supervise,
    workflow.WHISTLE: _apply_whistle,
}


# ---------------------------------------------------------------------------------------------------- wrappers
def do_request_verification(*, actor, case_id, expected_version=None, note: str = "") -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.VERIFY_REQUEST,
        expected_version=expected_version,
        note=note,
    )


def do_verify_case(*, actor, case_id, expected_version=None, note: str = "", photos=()) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.VERIFY,
        expected_version=expected_version,
        note=note,
        photos=photos,
    )


def do_file_case(
    *, actor, case_id, expected_version=None, category=None, filing_condition=None, note: str = ""
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.FILE,
        expected_version=expected_version,
        note=note,
        category=category,
        filing_condition=filing_condition,
    )


def do_not_file_case(*, actor, case_id, reason: str, expected_version=None) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.NOT_FILE, expected_version=expected_version, note=reason
    )


def do_void_case(*, actor, case_id, reason: str, expected_version=None) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.VOID_ACTION,
        expected_version=expected_version,
        note=reason,
    )


def do_merge_case(*, actor, case_id, target_id, expected_version=None, note: str = "") -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.MERGE,
        expected_version=expected_version,
        note=note or _("重复案件"),
        target=target_id,
    )


def do_dispatch_case(
    *, actor, case_id, expected_version=None, departments=None, lead=None, note: str = ""
) -> Case:
    """Automatic routing by the responsibility list when `departments` is None (the reason is stored on the
    case), else a manual dispatch to `departments` with `lead` (needed when several)."""
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.DISPATCH,
        expected_version=expected_version,
        note=note,
        departments=departments,
        lead=lead,
    )


def do_accept_case(*, actor, case_id, expected_version=None, note: str = "") -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.ACCEPT, expected_version=expected_version, note=note
    )


def do_return_case(*, actor, case_id, reason: str, expected_version=None) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.RETURN, expected_version=expected_version, note=reason
    )


def do_request_extension(*, actor, case_id, days: int, reason: str, expected_version=None) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.REQUEST_EXTENSION,
        expected_version=expected_version,
        note=reason,
        days=days,
    )


def do_approve_extension(*, actor, case_id, expected_version=None, note: str = "") -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.APPROVE_EXTENSION,
        expected_version=expected_version,
        note=note,
    )


def do_refuse_extension(*, actor, case_id, reason: str, expected_version=None) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.REFUSE_EXTENSION,
        expected_version=expected_version,
        note=reason,
    )


def do_park_case(*, actor, case_id, reason: str, review_date, expected_version=None) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.PARK,
        expected_version=expected_version,
        note=reason,
        review_date=review_date,
    )


def do_unpark_case(*, actor, case_id, expected_version=None, note: str = "") -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.UNPARK, expected_version=expected_version, note=note
    )


def do_feedback_case(*, actor, case_id, note: str, photos=(), expected_version=None) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.FEEDBACK,
        expected_version=expected_version,
        note=note,
        photos=photos,
    )


def do_check_pass_case(*, actor, case_id, note: str = "", photos=(), expected_version=None) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.CHECK_PASS,
        expected_version=expected_version,
        note=note,
        photos=photos,
    )


def do_check_fail_case(*, actor, case_id, reason: str, photos=(), expected_version=None) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.CHECK_FAIL,
        expected_version=expected_version,
        note=reason,
        photos=photos,
    )


def do_callback_case(
    *, actor, case_id, note: str = "", rating: str | None = None, comment: str = "", expected_version=None
) -> Case:
    """The operator's call-back; a rating given on the phone is recorded with it. Closes the case."""
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.CALLBACK,
        expected_version=expected_version,
        note=note,
        rating=rating,
        comment=comment,
    )


def do_close_case(*, actor, case_id, note: str = "", expected_version=None) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.CLOSE, expected_version=expected_version, note=note
    )


def do_rate_case(*, actor, case_id, rating: str, comment: str = "", expected_version=None) -> Case:
    """Only the reporter rates (满意 / 基本满意 / 不满意), once."""
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.RATE,
        expected_version=expected_version,
        rating=rating,
        comment=comment,
    )


def do_reopen_case(*, actor, case_id, reason: str, expected_version=None) -> Case:
    """Only the reporter, only after rating 不满意, only once (JINGZHI_CASE_MAX_REOPENS), with a reason."""
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.REOPEN, expected_version=expected_version, note=reason
    )


def do_supervise_case(*, actor, case_id, note: str, expected_version=None) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.SUPERVISE, expected_version=expected_version, note=note
    )


# ---------------------------------------------------------------------------------------------------- reminders
def do_send_overdue_reminders(*, actor=None, now=None, limit: int = 5000) -> int:
    """One reminder (督办 of kind "overdue") per case and step deadline that has passed: notified, put on the
    timeline, stamped `first_overdue_at`. Safe to run as often as cron likes; returns how many were sent."""
    from jingzhi.cases.queries import overdue_cases

    now = now or clock.now()
    sent = 0
    ids = list(
        overdue_cases(None, now=now)
        .exclude(
            supervisions__kind=SupervisionKind.OVERDUE,
            supervisions__step_deadline=F("step_deadline"),
        )
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        with transaction.atomic():
            case = Case.objects.select_for_update().filter(pk=pk).first()
            if (
                case is None
                or case.state in workflow.FINISHED
                or not case.step_deadline
                or case.step_deadline >= now
            ):
                continue
            if Supervision.objects.filter(
                case=case, kind=SupervisionKind.OVERDUE, step_deadline=case.step_deadline
            ).exists():
                continue
            Supervision.objects.create(
                case=case,
                kind=SupervisionKind.OVERDUE,
                created_by=_user(actor),
                note=_("%(step)s环节已超时") % {"step": workflow.STEP_LABELS.get(case.step, "")},
                step=case.step,
                step_deadline=case.step_deadline,
                created_at=now,
            )
            _stamp_overdue(case, now)
            case.version += 1
            case.updated_at = now
            case.save(update_fields=["first_overdue_at", "version", "updated_at"])
            sla = deadlines.step_sla(case, now)
            _record(
                case,
                actor=actor,
                action=workflow.REMIND,
                from_state=case.state,
                data={
                    "step": case.step,
                    "deadline": case.step_deadline.isoformat(),
                    "overdue_multiple": sla.overdue_multiple,
                },
            )
            departments = permissions.active_department_ids(case)
            recipients = handlers_of(departments) if departments else []
            recipients += staff_for(case, [workflow.DISPATCHER, workflow.SHIFT_LEAD])
            _notify(
                recipients,
                verb="case_overdue",
                title=_("超时提醒：案件 %(n)s") % {"n": case.number},
                body=_("%(step)s环节已超过时限（%(deadline)s）")
                % {
                    "step": workflow.STEP_LABELS.get(case.step, ""),
                    "deadline": workcalendar._local(case.step_deadline).strftime("%Y-%m-%d %H:%M"),
                },
                case=case,
            )
            sent += 1
    return sent


# ---------------------------------------------------------------------------------------------------- whistles
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
    *, actor, case_ids, department_ids, limit_minutes: int | None = None, note: str = ""
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
        from jingzhi.core import hooks as core_hooks

        core_hooks.fire(
            hooks.WHISTLE_BLOWN,
            whistle_id=whistle.pk,
            case_ids=[c.pk for c in cases],
            department_ids=[d.pk for d in departments],
        )
        _notify(
            handlers_of([d.pk for d in departments]),
            verb="whistle_blown",
            title=_("吹哨报到：请 %(m)d 分钟内到场") % {"m": limit},
            body=note or listing(c.number for c in cases),
            case=cases[0],
            target=whistle,
        )
    whistle.summons_list = summonses
    return whistle


def do_report_in(*, actor, summons_id, lon=None, lat=None, place: str = "") -> WhistleSummons:
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
        from jingzhi.core import hooks as core_hooks

        core_hooks.fire(
            hooks.WHISTLE_REPORTED,
            whistle_id=summons.whistle_id,
            summons_id=summons.pk,
            department_id=summons.department_id,
            is_late=late,
        )
    return summons


def do_rate_whistle_response(*, actor, summons_id, rating: int, comment: str = "") -> WhistleSummons:
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


# ---------------------------------------------------------------------------------------------------- hotline
HOTLINE_COLUMNS = {
    "external_ref": ("工单编号", "工单号"),
    "description": ("诉求内容", "问题描述"),
    "lon": ("经度",),
    "lat": ("纬度",),
    "crs": ("坐标系",),
    "address": ("地址", "问题地址"),
    "request_type": ("诉求类型",),
    "urgency": ("紧急程度",),
    "category": ("分类编码",),
    "category_kind": ("分类类型",),
    "reporter_name": ("诉求人", "来电人"),
    "reporter_phone": ("联系电话", "来电号码"),
}
REQUIRED_HOTLINE = ("external_ref", "description", "lon", "lat")


def _read_table(file) -> list[list]:
    """Rows of an .xlsx or .csv (UTF-8 or GB18030) as lists of cells; the first row is the header."""
    data = file.read() if hasattr(file, "read") else open(file, "rb").read()  # noqa: SIM115
    name = str(getattr(file, "name", file) or "")
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one clear message
            raise InvalidInput(
                _("无法读取 Excel 文件：%(e)s") % {"e": exc}, fields={"file": "unreadable"}
            ) from exc
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidInput(
            _("文件 %(name)s 既不是 Excel 也不是 UTF-8/GB18030 编码的 CSV") % {"name": name},
            fields={"file": "encoding"},
        )
    return list(csv.reader(io.StringIO(text)))


def do_import_hotline_orders(*, actor, file) -> dict:
    """Import 12345 work orders from Excel/CSV, keeping each order number as the case's external_ref.
    All or nothing: every bad row is reported (row number, why) in HotlineImportError and nothing is
    written. Orders already imported are skipped (re-import creates nothing). Returns
    {"created": n, "existing": n, "rows": n}."""
    from jingzhi.taxonomy.queries import category_by_code

    if actor is not None and not permissions.can_import_hotline(actor):
        raise PermissionDenied(_("只有受理员、值班长或区管理员可以导入热线工单"))
    rows = _read_table(file)
    if not rows:
        raise HotlineImportError([_("文件为空")])
    header = [_clean_text(h) for h in rows[0]]
    columns = {}
    for key, names in HOTLINE_COLUMNS.items():
        for index, title in enumerate(header):
            if title in names:
                columns[key] = index
                break
    missing = [HOTLINE_COLUMNS[k][0] for k in REQUIRED_HOTLINE if k not in columns]
    if missing:
        raise HotlineImportError([_("缺少列：%(cols)s") % {"cols": listing(missing)}])
    problems: list[str] = []
    created = existing = 0
    seen: dict[str, int] = {}
    body = [
        (number, row)
        for number, row in enumerate(rows[1:], start=2)
        if any(_clean_text(cell) for cell in row)
    ]
    with transaction.atomic():
        for number, row in body:

            def cell(key, row=row):
                index = columns.get(key)
                return _clean_text(row[index]) if index is not None and index < len(row) else ""

            ref = cell("external_ref")
            where = _("第 %(n)d 行") % {"n": number}
            if not ref:
                problems.append(_("%(where)s：缺少工单编号") % {"where": where})
                continue
            if ref in seen:
                problems.append(
                    _("%(where)s：工单编号 %(ref)s 与第 %(other)d 行重复")
                    % {"where": where, "ref": ref, "other": seen[ref]}
                )
                continue
            seen[ref] = number
            if Case.objects.filter(source=Source.HOTLINE, external_ref=ref).exists():
                existing += 1
                continue
            try:
                category = None
                if cell("category"):
                    category = category_by_code(cell("category_kind") or "event", cell("category"))
                try:
                    lon, lat = float(cell("lon")), float(cell("lat"))
                except ValueError:
                    raise InvalidInput(
                        _("经纬度不是数字（%(lon)s, %(lat)s）") % {"lon": cell("lon"), "lat": cell("lat")}
                    ) from None
                do_open_case(
                    actor=actor,
                    source=Source.HOTLINE,
                    description=cell("description"),
                    lon=lon,
                    lat=lat,
                    crs=cell("crs") or "wgs84",
                    address=cell("address"),
                    category=category,
                    reporter_name=cell("reporter_name"),
                    reporter_phone=cell("reporter_phone"),
                    external_ref=ref,
                    request_type=cell("request_type") or None,
                    urgency=cell("urgency") or None,
                )
                created += 1
            except ApplicationError as exc:
                problems.append(
                    _("%(where)s（工单 %(ref)s）：%(why)s") % {"where": where, "ref": ref, "why": exc.message}
                )
        if problems:
            raise HotlineImportError(problems)
    return {"created": created, "existing": existing, "rows": len(body)}
