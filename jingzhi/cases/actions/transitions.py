"""Every transition of the loop: `do_transition` (lock, version check, permission, pure table, apply, deadlines,
one event and one audit row) and the named wrappers interfaces call (`do_file_case`, `do_dispatch_case`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.accounts.models import Department
from jingzhi.cases import deadlines, hooks, permissions, workflow
from jingzhi.cases.exceptions import ActionNotAllowed, StaleCase
from jingzhi.cases.models import (
    Case,
    CaseAssignment,
    ExtensionRequest,
    ExtensionStatus,
    Rating,
    Supervision,
    SupervisionKind,
)
from jingzhi.core import clock, workcalendar
from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.core.ids import parse_count, parse_id
from jingzhi.core.text import in_each_language, listing
from jingzhi.core.types import Actor, RowId

from ._common import (
    _as_category,
    _clean_text,
    _follow_handle_clock,
    _notify,
    _prepare_photos,
    _record,
    _residents_of,
    _set_clock,
    _stamp_overdue,
    _start_handle_clock,
    _user,
    handlers_of,
    staff_for,
)
from .intake import _end_assignments, _merge, _root


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


_ID_INPUTS = {"category": _("分类"), "filing_condition": _("立案条件"), "lead": _("牵头部门")}


def _parse_inputs(action: str, data: dict) -> dict:
    """The action's inputs (`workflow.ACTION_INPUTS`) from whatever door they came through — form text or API
    values — as the apply functions take them; anything else is dropped. A bad value is an InvalidInput
    naming the field, so the web page and the API refuse the same input the same way."""
    out = {}
    for name in workflow.ACTION_INPUTS.get(action, ()):
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if name in _ID_INPUTS and not hasattr(value, "pk"):
            parsed = parse_id(value.strip() if isinstance(value, str) else value)
            if parsed is None:
                raise InvalidInput(
                    _("%(label)s须为编号，收到“%(v)s”") % {"label": _ID_INPUTS[name], "v": str(value)[:20]},
                    fields={name: "invalid"},
                )
            value = parsed
        elif name == "departments":
            values = [value] if isinstance(value, str | int) else list(value)
            parsed = [v if hasattr(v, "pk") else parse_id(str(v).strip()) for v in values if str(v).strip()]
            if None in parsed:
                raise InvalidInput(_("部门须为编号"), fields={"departments": "invalid"})
            if not parsed:
                raise InvalidInput(_("人工派遣须至少选择一个部门"), fields={"departments": "required"})
            value = parsed
        elif name == "days" and not isinstance(value, int):
            value = parse_count(str(value).strip(), minimum=1)
            if value is None:
                raise InvalidInput(_("延期天数须为正整数（工作日）"), fields={"days": "invalid"})
        elif name == "target" and isinstance(value, str):
            value = value.strip()
        out[name] = value
    return out


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
    *,
    actor: Actor,
    case_id: RowId,
    action: str,
    expected_version: RowId | None = None,
    note: str = "",
    photos=(),
    **data,
) -> Case:
    """Take `action` on the case. Raises NotFound (missing or not visible), StaleCase (someone acted
    first), ActionNotAllowed (state or role; names the allowed actions) or InvalidInput (missing reason,
    extension past the maximum, ...)."""
    apply = _APPLY.get(action)
    if apply is None and action != workflow.MERGE:
        raise InvalidInput(_("未知的案件操作“%(action)s”") % {"action": action}, fields={"action": "unknown"})
    data = _parse_inputs(action, data)
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
        result = apply(case, actor=actor, now=now, note=note, data=data) or Effect()
        if case.state in workflow.FINISHED and from_state not in workflow.FINISHED:
            _end_assignments(case, now)
        if case.state != from_state and not result.clock_set:
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
            data=result.data,
            new=result.audit,
            photos=photos,
            photo_kind=kind,
        )
        hooks.case_changed(
            case_id=case.pk,
            action=action,
            from_state=from_state,
            to_state=case.state,
            actor_id=getattr(_user(actor), "pk", None),
            **result.hook,
        )
        for recipients, verb, title, body in result.notify:
            _notify(recipients, verb=verb, title=title, body=body, case=case)
    return case


# --- per-action effects (called with the case locked and its new state set) --------------------------------
# (recipients, verb, title, body), sent after commit; title and body may be `lambda: _(…)` so that each
# reader's inbox shows them in their own language (core.notifications.notify).
Notice = tuple[list, str, Any, Any]


@dataclass
class Effect:
    """What an action's apply function leaves for the common tail of `do_transition`."""

    clock_set: bool = False  # the apply function set the next step's clock itself
    data: dict = field(default_factory=dict)  # the timeline event's data
    audit: dict = field(default_factory=dict)  # the audit row's new values
    hook: dict = field(default_factory=dict)  # extra keyword arguments for the case_changed hook
    notify: list[Notice] = field(default_factory=list)


def _apply_verify_request(case, *, actor, now, note, data):
    return Effect(
        clock_set=True,
        notify=[
            (
                staff_for(case, [workflow.INSPECTOR]),
                "verify_request",
                lambda: _("请核实案件 %(n)s") % {"n": case.number},
                case.description[:200],
            )
        ],
    )


def _apply_verify(case, *, actor, now, note, data):
    case.verified_at = now
    return Effect(
        notify=[
            (
                staff_for(case, [workflow.SHIFT_LEAD]),
                "case_verified",
                lambda: _("案件 %(n)s 已核实，待立案") % {"n": case.number},
                note,
            )
        ]
    )


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
    return Effect(
        data={"category": case.category_id, "filing_condition": case.filing_condition_id},
        audit={"category": case.category.code, "filing_condition": case.filing_condition_id},
        notify=[
            (
                staff_for(case, [workflow.DISPATCHER]),
                "case_filed",
                lambda: _("案件 %(n)s 已立案，待派遣") % {"n": case.number},
                case.description[:200],
            )
        ],
    )


def _end_reporter_step(case, *, actor, now, note, data):
    return Effect(
        notify=[
            (
                _residents_of(case),
                f"case_{case.state}",
                _("案件 %(n)s：%(state)s") % {"n": case.number, "state": case.state_label},
                note,
            )
        ]
    )


def _merge_target(case, *, actor, data) -> Case:
    """The case to merge into, by id or by its case number."""
    raw = getattr(data.get("target"), "pk", data.get("target"))
    target_id = parse_id(raw)
    rows = Case.objects.select_for_update()
    if target_id is not None:
        target = rows.filter(pk=target_id).first()
    else:
        target = rows.filter(number=str(raw or "").strip()).first() if raw not in (None, "") else None
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

        def manual_reason() -> str:
            who = listing(d.name + (_("（牵头）") if d.pk == lead.pk else "") for d in departments)
            return _("%(who)s — 人工派遣（%(by)s）%(note)s") % {
                "who": who,
                "by": str(_user(actor) or _("系统")),
                "note": f"：{note}" if note else "",
            }

        routing = {
            "manual": True,
            "departments": [{"id": d.pk, "code": d.code, "name": d.name} for d in departments],
            "lead": lead.pk,
            "rule": None,
            "fallback": False,
            "reason": manual_reason(),
            "reasons": in_each_language(manual_reason),
        }
    else:
        from jingzhi.duties.actions import route_and_record

        decision = route_and_record(case.category, _place_of(case), actor=_user(actor))
        if not decision.departments:
            raise InvalidInput(decision.reason, fields={"departments": "required"})
        departments = list(Department.objects.filter(pk__in=decision.department_ids))
        departments.sort(key=lambda d: decision.department_ids.index(d.pk))
        lead = next((d for d in departments if decision.lead and d.pk == decision.lead.id), departments[0])
        from jingzhi.duties.queries import route_reasons

        routing = {
            "manual": False,
            **decision.as_dict(),
            "reasons": route_reasons(case.category, _place_of(case)),
        }
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
    return Effect(
        clock_set=True,
        data={
            "departments": [d.pk for d in departments],
            "lead": lead.pk,
            "reason": routing["reason"],
            "reasons": routing["reasons"],
        },
        audit={"departments": [d.code for d in departments], "lead": lead.code},
        notify=[
            (
                handlers_of([d.pk for d in departments]),
                "case_dispatched",
                lambda: _("新派遣案件 %(n)s，请及时响应") % {"n": case.number},
                case.description[:200],
            )
        ],
    )


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
    return Effect(clock_set=True, data={"department": department_id})


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
    return Effect(
        data={"department": department_id, "return_count": case.return_count, "escalated": escalate},
        audit={"return_count": case.return_count, "is_escalated": case.is_escalated},
        hook={"department_id": department_id},
        notify=[
            (
                recipients,
                "case_returned",
                lambda: _("案件 %(n)s 被退单（第 %(c)d 次）") % {"n": case.number, "c": case.return_count},
                note,
            )
        ],
    )


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
    return Effect(
        clock_set=True,
        data={"request": request.pk, "days": days},
        audit={"extension_request": request.pk, "days": days},
        notify=[
            (
                staff_for(case, [workflow.DISPATCHER, workflow.SHIFT_LEAD]),
                "extension_requested",
                lambda: _("案件 %(n)s 申请延期 %(d)d 个工作日") % {"n": case.number, "d": days},
                note,
            )
        ],
    )


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
    return Effect(
        clock_set=True,
        data={"request": request.pk, "days": request.days},
        audit={"handle_deadline": case.handle_deadline, "extension_days": case.extension_days},
        notify=[
            (
                handlers_of([request.department_id] if request.department_id else []),
                "extension_approved",
                lambda: _("案件 %(n)s 延期已批准") % {"n": case.number},
                note,
            )
        ],
    )


def _apply_refuse_extension(case, *, actor, now, note, data):
    request = _pending_extension(case)
    request.status, request.decided_by, request.decided_at = ExtensionStatus.REFUSED, _user(actor), now
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return Effect(
        clock_set=True,
        data={"request": request.pk},
        notify=[
            (
                handlers_of([request.department_id] if request.department_id else []),
                "extension_refused",
                lambda: _("案件 %(n)s 延期未获批准") % {"n": case.number},
                note,
            )
        ],
    )


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
    return Effect(data={"review_date": review.isoformat()}, audit={"parked_until": review})


def _apply_unpark(case, *, actor, now, note, data):
    case.parked_until = None
    # The handling clock restarts with the full limit: the work waited on something outside the department.
    _start_handle_clock(case, now)
    _follow_handle_clock(case)
    return Effect(
        clock_set=True,
        notify=[
            (
                handlers_of(permissions.active_department_ids(case)),
                "case_unparked",
                lambda: _("挂账案件 %(n)s 恢复办理") % {"n": case.number},
                note,
            )
        ],
    )


def _apply_feedback(case, *, actor, now, note, data):
    case.handled_at = now
    return Effect(
        data={"department": _actor_department(case, actor)},
        notify=[
            (
                staff_for(case, [workflow.INSPECTOR]),
                "case_feedback",
                lambda: _("案件 %(n)s 已处置，请核查") % {"n": case.number},
                note,
            )
        ],
    )


def _apply_check_pass(case, *, actor, now, note, data):
    case.checked_at = now
    return Effect(
        notify=[
            (
                staff_for(case, [workflow.OPERATOR]),
                "case_checked",
                lambda: _("案件 %(n)s 核查通过，待回访") % {"n": case.number},
                note,
            ),
            (
                _residents_of(case),
                "case_resolved",
                lambda: _("您反映的问题已处理：%(n)s") % {"n": case.number},
                lambda: _("问题已处理并经现场核查，欢迎评价。"),
            ),
        ]
    )


def _apply_check_fail(case, *, actor, now, note, data):
    case.rework_count += 1
    case.handled_at = None
    # Rework gets a fresh handling limit: the department must redo the work, not merely finish it.
    _start_handle_clock(case, now)
    _follow_handle_clock(case)
    return Effect(
        clock_set=True,
        data={"rework_count": case.rework_count},
        audit={"rework_count": case.rework_count},
        notify=[
            (
                handlers_of(permissions.active_department_ids(case)),
                "case_rework",
                lambda: _("案件 %(n)s 核查未通过，请返工") % {"n": case.number},
                note,
            )
        ],
    )


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
    return Effect(
        data={"rating": case.rating},
        audit={"rating": case.rating},
        notify=[
            (_residents_of(case), "case_closed", lambda: _("案件 %(n)s 已结案") % {"n": case.number}, note)
        ],
    )


def _apply_rate(case, *, actor, now, note, data):
    case.rating = _check_rating(data.get("rating"))
    case.rating_comment = _clean_text(data.get("comment")) or note
    case.rated_at = now
    if case.closed_at is None:
        case.closed_at = now
    return Effect(data={"rating": case.rating}, audit={"rating": case.rating}, hook={"rating": case.rating})


def _apply_reopen(case, *, actor, now, note, data):
    case.reopen_count += 1
    case.rating, case.rating_comment, case.rated_at = "", "", None
    case.closed_at = case.handled_at = case.checked_at = None
    case.lead_department = None
    case.response_deadline = case.handle_deadline = case.handle_started_at = None
    CaseAssignment.objects.filter(case=case, is_active=True).update(is_active=False, ended_at=now)
    return Effect(
        audit={"reopen_count": case.reopen_count},
        notify=[
            (
                staff_for(case, [workflow.DISPATCHER, workflow.SHIFT_LEAD]),
                "case_reopened",
                lambda: _("案件 %(n)s 因群众不满意重新办理") % {"n": case.number},
                note,
            )
        ],
    )


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
    return Effect(
        clock_set=True,
        data={"supervision": supervision.pk},
        audit={"supervision_count": case.supervision_count},
        notify=[(recipients, "case_supervised", lambda: _("督办：案件 %(n)s") % {"n": case.number}, note)],
    )


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


def do_request_verification(
    *, actor: Actor, case_id: RowId, expected_version: RowId | None = None, note: str = ""
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.VERIFY_REQUEST,
        expected_version=expected_version,
        note=note,
    )


def do_verify_case(
    *, actor: Actor, case_id: RowId, expected_version: RowId | None = None, note: str = "", photos=()
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.VERIFY,
        expected_version=expected_version,
        note=note,
        photos=photos,
    )


def do_file_case(
    *,
    actor: Actor,
    case_id: RowId,
    expected_version: RowId | None = None,
    category=None,
    filing_condition=None,
    note: str = "",
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


def do_not_file_case(
    *, actor: Actor, case_id: RowId, reason: str, expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.NOT_FILE, expected_version=expected_version, note=reason
    )


def do_void_case(*, actor: Actor, case_id: RowId, reason: str, expected_version: RowId | None = None) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.VOID_ACTION,
        expected_version=expected_version,
        note=reason,
    )


def do_merge_case(
    *, actor: Actor, case_id: RowId, target_id: RowId, expected_version: RowId | None = None, note: str = ""
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.MERGE,
        expected_version=expected_version,
        note=note or _("重复案件"),
        target=target_id,
    )


def do_dispatch_case(
    *,
    actor: Actor,
    case_id: RowId,
    expected_version: RowId | None = None,
    departments=None,
    lead=None,
    note: str = "",
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


def do_accept_case(
    *, actor: Actor, case_id: RowId, expected_version: RowId | None = None, note: str = ""
) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.ACCEPT, expected_version=expected_version, note=note
    )


def do_return_case(
    *, actor: Actor, case_id: RowId, reason: str, expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.RETURN, expected_version=expected_version, note=reason
    )


def do_request_extension(
    *, actor: Actor, case_id: RowId, days: int, reason: str, expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.REQUEST_EXTENSION,
        expected_version=expected_version,
        note=reason,
        days=days,
    )


def do_approve_extension(
    *, actor: Actor, case_id: RowId, expected_version: RowId | None = None, note: str = ""
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.APPROVE_EXTENSION,
        expected_version=expected_version,
        note=note,
    )


def do_refuse_extension(
    *, actor: Actor, case_id: RowId, reason: str, expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.REFUSE_EXTENSION,
        expected_version=expected_version,
        note=reason,
    )


def do_park_case(
    *, actor: Actor, case_id: RowId, reason: str, review_date, expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.PARK,
        expected_version=expected_version,
        note=reason,
        review_date=review_date,
    )


def do_unpark_case(
    *, actor: Actor, case_id: RowId, expected_version: RowId | None = None, note: str = ""
) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.UNPARK, expected_version=expected_version, note=note
    )


def do_feedback_case(
    *, actor: Actor, case_id: RowId, note: str, photos=(), expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.FEEDBACK,
        expected_version=expected_version,
        note=note,
        photos=photos,
    )


def do_check_pass_case(
    *, actor: Actor, case_id: RowId, note: str = "", photos=(), expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.CHECK_PASS,
        expected_version=expected_version,
        note=note,
        photos=photos,
    )


def do_check_fail_case(
    *, actor: Actor, case_id: RowId, reason: str, photos=(), expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.CHECK_FAIL,
        expected_version=expected_version,
        note=reason,
        photos=photos,
    )


def do_callback_case(
    *,
    actor: Actor,
    case_id: RowId,
    note: str = "",
    rating: str | None = None,
    comment: str = "",
    expected_version: RowId | None = None,
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


def do_close_case(
    *, actor: Actor, case_id: RowId, note: str = "", expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.CLOSE, expected_version=expected_version, note=note
    )


def do_rate_case(
    *, actor: Actor, case_id: RowId, rating: str, comment: str = "", expected_version: RowId | None = None
) -> Case:
    """Only the reporter rates (满意 / 基本满意 / 不满意), once."""
    return do_transition(
        actor=actor,
        case_id=case_id,
        action=workflow.RATE,
        expected_version=expected_version,
        rating=rating,
        comment=comment,
    )


def do_reopen_case(
    *, actor: Actor, case_id: RowId, reason: str, expected_version: RowId | None = None
) -> Case:
    """Only the reporter, only after rating 不满意, only once (JINGZHI_CASE_MAX_REOPENS), with a reason."""
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.REOPEN, expected_version=expected_version, note=reason
    )


def do_supervise_case(
    *, actor: Actor, case_id: RowId, note: str, expected_version: RowId | None = None
) -> Case:
    return do_transition(
        actor=actor, case_id=case_id, action=workflow.SUPERVISE, expected_version=expected_version, note=note
    )
