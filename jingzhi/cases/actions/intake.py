"""Intake: `do_open_case` from every source (located, categorised, routed, deduplicated, idempotent), merging
duplicates and following a case.
"""

from __future__ import annotations

import contextlib

from django.db import IntegrityError, transaction
from django.db.models.base import ModelState
from django.utils.translation import gettext as _

from jingzhi.accounts import access
from jingzhi.cases import deadlines, hooks, permissions, workflow
from jingzhi.cases.exceptions import IdempotencyConflict, OutsideJurisdiction
from jingzhi.cases.models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseFollower,
    Source,
)
from jingzhi.core import audit, clock, ratelimit, rows, workcalendar
from jingzhi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.core.ids import parse_id
from jingzhi.core.tasks import enqueue_after_commit
from jingzhi.core.types import Actor, RowId
from jingzhi.taxonomy.queries import generation_token_returning, pin_generation_token, pinned_generation

from ._common import (
    _SELF_REPORTED,
    _as_category,
    _check_description,
    _clean_text,
    _next_number,
    _notify,
    _prepare_photos,
    _record,
    _residents_of,
    _set_clock,
    _user,
    staff_for,
)


def _locate(lon, lat, crs: str):
    """(wgs84 lon, lat, place dict) for a report; OutsideJurisdiction unless a district takes them."""
    from jingzhi.geo.coords import gcj02_to_wgs84
    from jingzhi.geo.locate import CRS_NAMES, locate
    from jingzhi.geo.models import District
    from jingzhi.geo.queries import active_generation

    if lon is None or lat is None or lon == "" or lat == "":
        raise InvalidInput(
            _("请提供问题位置"), code="location_required", fields={"lon": "required", "lat": "required"}
        )
    location = locate(lon, lat, crs=crs)
    x, y = float(lon), float(lat)
    if CRS_NAMES.get(str(crs).lower()) == "gcj02":
        x, y = gcj02_to_wgs84(x, y)
    if location.inside:
        return x, y, _place_of(location)
    place = {"grid": None, "community": None, "subdistrict": None, "district": None, "street": None}
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


def _place_of(location) -> dict:
    """The place rows (grid … street) of a point the locator found inside the jurisdiction."""
    place = {"grid": None, "community": None, "subdistrict": None, "district": None, "street": None}
    for level, model in _place_models().items():
        found = getattr(location, level)
        if found and found.get("id"):
            place[level] = _place_row(model, found, location.generation_id)
    return place


def _place_models() -> dict:
    from jingzhi.geo.models import Community, District, Grid, Street, Subdistrict

    return {
        "grid": Grid,
        "community": Community,
        "subdistrict": Subdistrict,
        "district": District,
        "street": Street,
    }


# Place rows as the locator describes them, built once: keyed by everything a row is built from (its level,
# id, code, name and generation), so a renamed or recoded place, or another generation, is another key —
# nothing here can go stale, in this process or any other. Bounded: cleared when it grows past the limit.
_PLACE_ROWS: dict[tuple, object] = {}
_PLACE_ROWS_LIMIT = 100_000


def _place_row(model, found: dict, generation_id):
    """A new row of `model` holding the locator's id, code and name (and generation): the index already
    holds them, so the row is built rather than read back (four or five queries per report); other fields
    load on first use. Each call returns its own instance, copied from one built the first time."""
    key = (model, found["id"], found["code"], found["name"], generation_id)
    template = _PLACE_ROWS.get(key)
    if template is None:
        known = {"id": found["id"], "code": found["code"], "name": found["name"]}
        if generation_id:
            known["generation_id"] = generation_id
        names = [f.attname for f in model._meta.concrete_fields if f.attname in known]
        template = model.from_db(None, names, [known[n] for n in names])
        if len(_PLACE_ROWS) >= _PLACE_ROWS_LIMIT:
            _PLACE_ROWS.clear()
        _PLACE_ROWS[key] = template
    # What `from_db` would give again: the same loaded values, a state of its own.
    row = model.__new__(model)
    row.__dict__.update(template.__dict__)
    row._state = ModelState()
    row._state.adding = False
    return row


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


def _number_or_text(value):
    try:
        return round(float(value), 7)
    except (TypeError, ValueError):
        return _clean_text(value)


def request_fingerprint(
    *,
    description="",
    lon=None,
    lat=None,
    crs="wgs84",
    address="",
    category=None,
    filing_condition=None,
    reporter_name="",
    reporter_phone="",
    request_type=None,
    urgency=None,
    duplicate_of=None,
    **_ignored,
) -> str:
    """sha256 of the fields that make a report this report (not photos, not the time it was sent): what an
    Idempotency-Key is stored with, so a retry can be told from a different report under the same key."""
    import hashlib
    import json

    def ref(value):
        value = getattr(value, "pk", None) or getattr(value, "code", None) or value
        return "" if value is None else str(value)

    significant = {
        "description": _clean_text(description),
        "lon": _number_or_text(lon),
        "lat": _number_or_text(lat),
        "crs": _clean_text(crs).lower() or "wgs84",
        "address": _clean_text(address)[:200],
        "category": ref(category),
        "filing_condition": ref(filing_condition),
        "reporter_name": _clean_text(reporter_name)[:64],
        "reporter_phone": _clean_text(reporter_phone)[:32],
        "request_type": ref(request_type),
        "urgency": ref(urgency),
        "duplicate_of": ref(duplicate_of),
    }
    return hashlib.sha256(json.dumps(significant, sort_keys=True).encode()).hexdigest()


def _existing(
    source: str, idempotency_key: str, external_ref: str, fingerprint: str = "", actor=None
) -> Case | None:
    if idempotency_key:
        found = Case.objects.filter(source=source, idempotency_key=idempotency_key).first()
        if found:
            own = found.created_by_id == getattr(_user(actor), "pk", None)
            if own and fingerprint and found.idempotency_hash and found.idempotency_hash != fingerprint:
                raise IdempotencyConflict(key=idempotency_key)
            return found
    if external_ref:
        return Case.objects.filter(source=source, external_ref=external_ref).first()
    return None


@pinned_generation()
def do_open_case(
    *,
    actor: Actor,
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
    draft_photos=(),
    request_type=None,
    urgency=None,
    duplicate_of=None,
    reported_at=None,
    client_ip: str | None = None,
) -> Case:
    """Take in a report. Locates it (outside every grid: OutsideJurisdiction, unless
    JINGZHI_OUTSIDE_FALLBACK_DISTRICT names a district that takes it), suggests a category from the text when
    none is given, starts the verification clock (an inspector's own report starts at 待立案), and returns
    the case. The same `idempotency_key` (or `external_ref`) from the same source returns the case already
    made and creates nothing; the same key with a different report (`request_fingerprint`) raises
    IdempotencyConflict (422). `duplicate_of` records the report as a duplicate merged into that case, whose
    followers its reporter joins. `draft_photos` are ids of the actor's draft photos (core.attachments),
    kept from an attempt that failed, which join the report's photos. Interfaces (web, API, Open311) pass `client_ip` (the client's address,
    "" when unknown) for a report sent now: that turns on the per-user and per-address reporting limits
    (`core.ratelimit`, RateLimited); batch work (imports, inspections, the demo) passes none."""
    from jingzhi.cases.suggest import suggestions
    from jingzhi.taxonomy.queries import access_filing_condition

    if source not in Source.values:
        raise InvalidInput(_("来源“%(source)s”无效") % {"source": source}, fields={"source": "invalid"})
    if client_ip is not None:
        ratelimit.check_report(user_id=getattr(_user(actor), "pk", None), client_ip=client_ip or None)
    person = _user(actor)
    if person is not None:
        # The rules of who may file what hold at every door (web, API, imports, feature apps): here.
        permissions.check_source(person, source)
        if (reporter_name or reporter_phone) and not access.is_staff_user(person):
            raise InvalidInput(
                _("诉求人姓名和电话取自您的账户，不能另填"),
                fields={"reporter_name": [_("仅工作人员代为录入时可填")]},
            )
    idempotency_key = _clean_text(idempotency_key)[:100]
    external_ref = _clean_text(external_ref)[:64]
    fingerprint = ""
    if idempotency_key:
        fingerprint = request_fingerprint(
            description=description,
            lon=lon,
            lat=lat,
            crs=crs,
            address=address,
            category=category,
            filing_condition=filing_condition,
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            request_type=request_type,
            urgency=urgency,
            duplicate_of=duplicate_of,
        )
    text = _check_description(description)
    photos = _prepare_photos(photos)
    category = _as_category(category)
    chosen_category = category
    if request_type is not None and not hasattr(request_type, "pk"):
        from jingzhi.taxonomy.queries import request_type_by_code

        request_type = request_type_by_code(str(request_type))
    if urgency is not None and not hasattr(urgency, "pk"):
        from jingzhi.taxonomy.queries import urgency_by_code

        urgency = urgency_by_code(str(urgency))
    x, y, place = _locate(lon, lat, crs)
    if duplicate_of is not None and person is not None:
        duplicate_of = _offered_duplicate(duplicate_of, chosen_category, x, y)
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
    day = workcalendar._local(reported_at).date()
    try:
        with transaction.atomic():
            # The number and the taxonomy's generation token in one statement (with the BEGIN, one round
            # trip): the suggestion and the step's deadline below read the cached tree and limits of that
            # generation without asking the database again.
            number, (token,) = _next_number(day, returning=[generation_token_returning()])
            pin_generation_token(token)
            suggestion = []
            if category is None:
                # The learned model when trained, keyword matches otherwise; each entry keeps the words
                # behind it.
                suggested = suggestions(text, 3)
                suggestion = [s.as_dict() for s in suggested]
                category = suggested[0].category if suggested else None
            condition = None
            if filing_condition is not None and category is not None:
                condition = access_filing_condition(
                    category, getattr(filing_condition, "pk", filing_condition)
                )
            case = Case(
                number=number,
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
                idempotency_hash=fingerprint,
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
            # One prepared INSERT … RETURNING (core.rows), not the ORM's save machinery: the hot insert. Its
            # RETURNING list also reads, in the same round trip, whether someone can take the new case (the
            # answer's taker flag), the duplicate search's candidates and — when no photo comes between —
            # the audit chain's head (taking its lock) and a key for the timeline event.
            from jingzhi.cases.queries import duplicates_from, duplicates_returning, place_taker_returning

            asked = {
                "taker": place_taker_returning(case),
                "duplicates": duplicates_returning(category, x, y, reported_at, number=case.number),
            }
            if not photos and not draft_photos:
                asked["head"] = audit.head_returning()
                asked["event_id"] = rows.next_id_returning(CaseEvent)
            asked = {name: expression for name, expression in asked.items() if expression is not None}
            found = dict(zip(asked, rows.insert(case, returning=list(asked.values())), strict=True))
            if "taker" in found:
                case.taker_known = (case.state, bool(found["taker"]))
            duplicates = [pk for pk, _m in duplicates_from(found.get("duplicates"), category, x, y)]
            chain = {"head": found["head"], "event_id": found["event_id"]} if "head" in found else None
            # The timeline event, its audit row and the notices job: one round trip on PostgreSQL. With
            # photos the event's key is needed at once (the photos belong to it): one by one, as before.
            with rows.together() if chain is not None else contextlib.nullcontext():
                opened = _record(
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
                    draft_photos=draft_photos,
                    chain=chain,
                )
                # The opened hook's payload: what subscribers look at, so they need not read the case back.
                opened_hook = {
                    "to_state": state,
                    "actor_id": getattr(_user(actor), "pk", None),
                    "category_id": case.category_id,
                    "community_code": case.community_code,
                }
                if duplicate_of is None:
                    if not photos and not draft_photos:
                        # The whole timeline of the new case, in hand: an interface answering with the case
                        # need not read it back (`api.casesapi.present.detail`).
                        opened.attachments_list = []
                        case.intake_timeline = [opened]
                    # Who to tell (reporter, the operators or shift leads over the place) is worked out by a
                    # background job after commit, not inside the resident's request; the same job fires the
                    # opened hook (projects' pile-up rules), so its reads leave the request too.
                    from jingzhi.cases.tasks import notify_case_opened

                    enqueue_after_commit(notify_case_opened, case.pk, opened=opened_hook)
            if duplicate_of is not None:
                hooks.case_changed(case_id=case.pk, action=workflow.OPEN, from_state="", **opened_hook)
                _merge_new_report(case, duplicate_of, actor=actor)
    except IntegrityError:
        # A retry of the same submission (earlier, or concurrent and committed first) holds the unique key:
        # answer with its case.
        existing = _existing(source, idempotency_key, external_ref, fingerprint, actor)
        if existing is None:
            raise
        _check_replay(person, existing)
        existing.replayed = True  # tells an interface that this request made nothing
        return existing
    return case


def _offered_duplicate(duplicate_of, category, lon: float, lat: float) -> int:
    """Following an existing case from intake is limited to the duplicates intake would offer at that spot
    (same category — the one chosen, else the target's — within its radius and window, still open), so a
    report cannot be used to attach oneself to an arbitrary case and then read it."""
    from jingzhi.cases.queries import find_duplicate_ids

    target_id = parse_id(duplicate_of)
    target = Case.objects.select_related("category").filter(pk=target_id).first() if target_id else None
    category = category or (target.category if target else None)
    offered = {pk for pk, _m in find_duplicate_ids(category, lon, lat)} if target and category else set()
    if target_id not in offered:
        raise InvalidInput(
            _("所选的已有案件不在此位置附近的同类未办结案件中，请直接上报"),
            fields={"duplicate_of": [_("不是可关注的重复案件")]},
        )
    return target_id


def _check_replay(person, existing: Case) -> None:
    """A retry answers with the case it made; someone else's key (or order number) is not a way to learn
    of, or read, a case one may not see."""
    if person is None or existing.created_by_id == person.pk or permissions.can_see(person, existing):
        return
    raise Conflict(_("该幂等键或外部编号已被他人使用，请换一个"), fields={"idempotency_key": [_("已被使用")]})


def send_case_opened_notices(case_id: int) -> None:
    """The notices for a new report: the reporter's receipt and the operators' (待核实) or shift leads'
    (待立案) alert. Run after commit by the `notify_case_opened` job; a case gone or merged meanwhile
    gets none. The e-mail and SMS copies of both notices go out as one job."""
    from jingzhi.core.notifications import copies_in_one_job

    # No savepoint of its own: in the worker the job already runs in one, and a failure fails the job.
    with transaction.atomic(savepoint=False), copies_in_one_job():
        case = Case.objects.select_related("reporter").filter(pk=case_id).first()
        if case is None or case.state == workflow.MERGED:
            return
        _notify_opened(case)


def _notify_opened(case: Case) -> None:
    if case.reporter_id:
        _notify(
            [case.reporter],
            verb="case_opened",
            title=lambda: _("您的反映已受理：%(n)s") % {"n": case.number},
            body=lambda: _("我们已收到您反映的问题，将尽快核实处理。"),
            case=case,
        )
    roles = (workflow.OPERATOR,) if case.state == workflow.REPORTED else (workflow.SHIFT_LEAD,)
    _notify(
        staff_for(case, roles),
        verb="case_opened",
        title=lambda: _("新案件%(state)s：%(n)s") % {"state": case.state_label, "n": case.number},
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
    target_id = parse_id(duplicate_of)
    target = Case.objects.select_for_update().filter(pk=target_id).first() if target_id else None
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
        title=lambda: _("您反映的问题已并入案件 %(n)s") % {"n": target.number},
        body=lambda: _("同一问题已有人反映，我们会合并办理，并把进展告诉您。"),
        case=target,
    )


def do_follow_case(*, actor: Actor, case_id: RowId) -> CaseFollower:
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
