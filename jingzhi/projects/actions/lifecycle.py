"""A project from its start to its end, except the vote (ballots.py): created by the office (民意征求型),
declared by a resident (民需申报型) or proposed from cases (民情推动型); co-signed, accepted, adopted or
dismissed; deliberated in meetings; publicised with objections answered; approved; delivered with
milestones; accepted with resident representatives; rated by the households that could vote."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from fractions import Fraction

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock
from jingzhi.core import hooks as core_hooks
from jingzhi.core.attachments import do_store_image
from jingzhi.core.errors import Conflict, InvalidInput, PermissionDenied
from jingzhi.core.ids import parse_id
from jingzhi.projects import hooks, permissions, workflow
from jingzhi.projects.exceptions import NotOnRegister
from jingzhi.projects.models import (
    AgendaItem,
    Attendee,
    CoApplicant,
    Household,
    Meeting,
    Milestone,
    Objection,
    Project,
    ProjectEvent,
    ProjectKind,
    Rating,
    RegisterEntry,
)
from jingzhi.projects.queries import current_round, households_in_scope
from jingzhi.projects.verbs import AuditVerb

from . import notices
from ._common import _amount, _moment, _prepared_photos, _required, _text, _user, step


def _scope(scope_code: str, buildings) -> tuple[str, list[str], str]:
    """(scope code, buildings, subdistrict code) after checking the scope names a known place."""
    from jingzhi.geo.queries import place_by_code

    code = str(scope_code or "").strip()
    level = {9: "subdistrict", 12: "community"}.get(len(code))
    if level is None or place_by_code(level, code) is None:
        raise InvalidInput(
            _("范围编码 %(c)s 不是已知的街道或社区") % {"c": code or "—"}, fields={"scope_code": "unknown"}
        )
    if isinstance(buildings, str):
        buildings = [b.strip() for b in buildings.replace("，", ",").split(",")]
    buildings = sorted({_text(b, 64) for b in (buildings or []) if _text(b)})
    if buildings and level != "community":
        raise InvalidInput(_("只有社区范围才能指定楼栋/院落"), fields={"scope_buildings": "needs_community"})
    return code, buildings, code[:9]


def _kind(kind) -> ProjectKind:
    if isinstance(kind, ProjectKind):
        return kind
    found = ProjectKind.objects.filter(code=str(kind or "").strip(), is_active=True).first()
    if found is None:
        raise InvalidInput(_("项目类别 %(k)s 不存在或已停用") % {"k": kind}, fields={"kind": "unknown"})
    return found


def do_create_project(
    *,
    actor,
    kind,
    title: str,
    description: str,
    scope_code: str,
    scope_buildings=(),
    reason: str = "",
    project_type: str | None = None,
    evidence_case_ids=(),
) -> Project:
    """Start a project. The office drafts one of any type it chooses for 民意征求型; a resident on the
    register declares a need (民需申报型, their household its first co-applicant); the system (actor None)
    proposes a 民情推动型 one with its evidence cases."""
    kind = _kind(kind)
    project_type = project_type or kind.default_type
    if project_type not in workflow.TYPES:
        raise InvalidInput(_("项目类型无效：%(t)s") % {"t": project_type}, fields={"type": "invalid"})
    title = _required(title, "title", _("请填写项目名称"), 120)
    description = _required(description, "description", _("请说明要做什么"), 5000)
    code, buildings, sub = _scope(scope_code, scope_buildings)
    rules = kind.rules_data()
    household = None
    if actor is not None:
        office = permissions.can_manage_scope(actor, code)
        if project_type == workflow.DECLARE:
            in_scope = households_in_scope(code, buildings).filter(pk__in=permissions.household_ids_of(actor))
            household = in_scope.first()
            if household is None:
                raise NotOnRegister(
                    _("您的住户不在该范围内（或尚未登记），不能申报"),
                    fields={"scope_code": "not_on_register"},
                )
        elif project_type == workflow.DRIVEN:
            raise PermissionDenied(_("民情推动型项目由系统根据案件提出"), fields={"type": "system_only"})
        elif not office:
            raise PermissionDenied(
                _("只有范围所在街道或区的管理员可以发起民意征求"), fields={"scope_code": "forbidden"}
            )
    with transaction.atomic():
        project = Project.objects.create(
            kind=kind,
            type=project_type,
            state=workflow.START[project_type],
            title=title,
            description=description,
            reason=_text(reason, 5000),
            scope_code=code,
            scope_buildings=buildings,
            subdistrict_code=sub,
            rules=rules,
            created_by=_user(actor),
        )
        if evidence_case_ids:
            project.evidence_cases.set(list(evidence_case_ids))
        ProjectEvent.objects.create(project=project, action="create", to_state=project.state)
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.PROJECT_CREATED,
            target=project,
            new={"type": project_type, "kind": kind.code, "scope": code, "buildings": buildings},
        )
        if household is not None:
            _cosign(actor, project, household)
    return project


def _cosign(actor, project: Project, household: Household) -> None:
    try:
        with transaction.atomic():
            CoApplicant.objects.create(project=project, household=household, user=_user(actor))
    except IntegrityError:
        raise Conflict(
            _("您家已联署过该申报"), code="already_cosigned", fields={"project": project.pk}
        ) from None
    audit.record(actor=_user(actor), verb=AuditVerb.COSIGNED, target=project, new={"co_applicants": "+1"})
    total = households_in_scope(project).count()
    count = project.co_applicants.count()
    threshold = workflow.parse_proportion(project.kind.cosign_threshold)
    if project.state == workflow.DECLARED and workflow.cosign_threshold_met(count, total, threshold):
        step(
            None,
            project,
            workflow.REACH_THRESHOLD,
            note=_("联署 %(n)d 户，占范围内 %(t)d 户的 %(p)s")
            % {"n": count, "t": total, "p": workflow.percent(Fraction(count, total))},
        )


def do_cosign(*, actor, project_id) -> Project:
    """A resident's household co-signs a declared need; reaching the kind's proportion puts it before the
    office (待受理)."""
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        ids = permissions.household_ids_of(actor)
        household = households_in_scope(project).filter(pk__in=ids).first()
        kinds = {workflow.RESIDENT} if household else set()
        from ._common import check_step

        check_step(actor, project, workflow.COSIGN, kinds=kinds)
        _cosign(actor, project, household)
    return project


def do_decide(*, actor, project_id, action: str, note: str = "") -> Project:
    """The office's one-step decisions: submit a draft, accept or refuse a declared need, adopt or dismiss
    a proposal, reject in publicity, start delivery, close. A refusal or dismissal needs its reason."""
    if action not in (
        workflow.SUBMIT,
        workflow.ACCEPT,
        workflow.REFUSE,
        workflow.ADOPT,
        workflow.DISMISS,
        workflow.REJECT,
        workflow.CLOSE,
    ):
        raise InvalidInput(_("未知的操作：%(a)s") % {"a": action}, fields={"action": "unknown"})
    note = _text(note, 2000)
    if action in (workflow.REFUSE, workflow.DISMISS, workflow.REJECT) and not note:
        raise InvalidInput(_("请说明理由"), fields={"note": "required"})
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        step(actor, project, action, note=note)
        if note:
            project.decision_note = note
            project.save(update_fields=["decision_note"])
    return project


# ------------------------------------------------------------------------------------------------ meetings
def do_record_meeting(
    *,
    actor,
    project_id,
    title: str,
    held_at,
    place: str,
    notice: str = "",
    invited_groups=(),
    quorum: int = 1,
    attendees=(),
    items=(),
    minutes: str = "",
    photos=(),
) -> Meeting:
    """A deliberation meeting with its named sign-in, agenda items (each a counted show of hands among those
    present) and minutes. Attendees confirm the minutes afterwards (`do_confirm_minutes`)."""
    title = _required(title, "title", _("请填写会议名称"), 120)
    place = _required(place, "place", _("请填写会议地点"), 120)
    held_at = _moment(held_at, "held_at", _("召开时间"))
    try:
        quorum = int(quorum)
        if not 1 <= quorum <= 1000:
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidInput(_("法定人数应为 1 到 1000 的整数"), fields={"quorum": "invalid"}) from None
    groups = dict(Attendee.Group.choices)
    invited = [g for g in invited_groups or [] if g]
    bad = [g for g in invited if g not in groups]
    if bad:
        raise InvalidInput(
            _("邀请对象无效：%(g)s") % {"g": "、".join(bad)}, fields={"invited_groups": "invalid"}
        )
    people = []
    for n, entry in enumerate(attendees or [], start=1):
        name, group = (entry.get("name"), entry.get("group")) if isinstance(entry, dict) else entry
        name = _text(name, 64)
        if not name or group not in groups:
            raise InvalidInput(
                _("第 %(n)d 位签到人员的姓名或身份无效") % {"n": n}, fields={"attendees": f"row {n}"}
            )
        people.append((name, group))
    if len({p[0] for p in people}) != len(people):
        raise InvalidInput(_("签到名单中有重名，请区分"), fields={"attendees": "duplicate"})
    present = len(people)
    agenda = []
    for n, item in enumerate(items or [], start=1):
        item_title = _text(item.get("title"), 200)
        if not item_title:
            raise InvalidInput(_("第 %(n)d 个议题缺少标题") % {"n": n}, fields={"items": f"row {n}"})
        try:
            counts = [int(item.get(k) or 0) for k in ("for", "against", "abstain")]
            carried = workflow.show_of_hands(*counts, present) == "carried"
        except (TypeError, ValueError):
            raise InvalidInput(
                _("第 %(n)d 个议题的举手表决票数无效：合计不能超过签到人数 %(p)d") % {"n": n, "p": present},
                fields={"items": f"row {n}"},
            ) from None
        agenda.append((item_title, _text(item.get("notes"), 5000), counts, carried))
    prepared = _prepared_photos(photos)
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        step(actor, project, workflow.HOLD_MEETING, note=title)
        meeting = Meeting.objects.create(
            project=project,
            title=title,
            held_at=held_at,
            place=place,
            notice=_text(notice, 5000),
            invited_groups=invited,
            quorum=quorum,
            minutes=_text(minutes, 20000),
        )
        Attendee.objects.bulk_create(Attendee(meeting=meeting, name=n, group=g) for n, g in people)
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=meeting,
                order=i,
                title=t,
                notes=notes,
                votes_for=c[0],
                votes_against=c[1],
                votes_abstain=c[2],
                carried=carried,
            )
            for i, (t, notes, c, carried) in enumerate(agenda, start=1)
        )
        for upload in prepared:
            do_store_image(actor=_user(actor), upload=upload, owner=meeting, kind="meeting")
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.MEETING_RECORDED,
            target=meeting,
            new={"project": project.pk, "present": present, "quorum": quorum, "items": len(agenda)},
        )
    return meeting


def do_confirm_minutes(*, actor, meeting_id, names) -> Meeting:
    """Attendees named confirm the minutes; confirmed once at least the quorum has signed in and confirmed."""
    with transaction.atomic():
        meeting = permissions.access_meeting(actor, meeting_id, for_update=True)
        if not meeting.minutes:
            raise InvalidInput(_("会议纪要为空，无法确认"), fields={"minutes": "required"})
        names = {_text(n, 64) for n in names or [] if _text(n)}
        known = set(meeting.attendees.values_list("name", flat=True))
        unknown = sorted(names - known)
        if unknown:
            raise InvalidInput(
                _("不在签到名单中：%(n)s") % {"n": "、".join(unknown)}, fields={"names": "not_signed_in"}
            )
        meeting.attendees.filter(name__in=names).update(confirmed_minutes=True)
        confirmed = meeting.attendees.filter(confirmed_minutes=True).count()
        if not workflow.quorum_met(meeting.attendees.count(), meeting.quorum):
            raise InvalidInput(
                _("签到 %(n)d 人，未达到法定人数 %(q)d，纪要不能确认")
                % {"n": meeting.attendees.count(), "q": meeting.quorum},
                fields={"quorum": "not_met"},
            )
        if confirmed >= meeting.quorum and meeting.minutes_confirmed_at is None:
            meeting.minutes_confirmed_at = clock.now()
            meeting.save(update_fields=["minutes_confirmed_at"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.MINUTES_CONFIRMED,
            target=meeting,
            new={"confirmed": confirmed, "complete": meeting.minutes_confirmed_at is not None},
        )
    return meeting


# ------------------------------------------------------------------------------------------------ publicity
def _publicity_over(project: Project) -> bool:
    return project.publicity_ends is not None and clock.now() >= project.publicity_ends


def do_object(*, actor, project_id, grounds: str) -> Objection:
    """An objection during publicity by a resident whose household is in scope, with their identity
    (kept from public pages) and grounds."""
    grounds = _required(grounds, "grounds", _("请写明异议理由"), 5000)
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        household = households_in_scope(project).filter(pk__in=permissions.household_ids_of(actor)).first()
        from ._common import check_step

        check_step(actor, project, workflow.OBJECT, kinds={workflow.RESIDENT} if household else set())
        problem = workflow.guard_problem(workflow.OBJECT, {"publicity_over": _publicity_over(project)})
        if problem:
            raise Conflict(problem, code="publicity_over", fields={"project": project.pk})
        objection = Objection.objects.create(
            project=project,
            user=_user(actor),
            household=household,
            name=(getattr(actor, "display_name", "") or getattr(actor, "username", ""))[:64],
            grounds=grounds,
        )
        step(actor, project, workflow.OBJECT, kinds={workflow.RESIDENT})
        audit.record(
            actor=_user(actor), verb=AuditVerb.OBJECTION_RAISED, target=objection, new={"project": project.pk}
        )
    return objection


def do_answer_objection(*, actor, objection_id, answer: str, upheld: bool = False) -> Objection:
    """A public answer to an objection. An upheld objection under a kind that says so sends the project back
    to a vote (`do_revote`)."""
    answer = _required(answer, "answer", _("请填写答复"), 5000)
    with transaction.atomic():
        objection = permissions.access_objection(actor, objection_id, for_update=True)
        project = permissions.access_project(actor, objection.project_id, for_update=True)
        if objection.answered_at is not None:
            raise Conflict(_("该异议已答复"), code="already_answered", fields={"objection": objection.pk})
        step(actor, project, workflow.ANSWER)
        objection.answer, objection.upheld = answer, bool(upheld)
        objection.answered_at, objection.answered_by = clock.now(), _user(actor)
        objection.save(update_fields=["answer", "upheld", "answered_at", "answered_by"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.OBJECTION_ANSWERED,
            target=objection,
            new={"upheld": objection.upheld},
        )
        notices.objection_answered(project, objection)
    return objection


def do_approve(*, actor, project_id, note: str = "") -> Project:
    """立项: the vote passed, the publicity period is over and every objection is answered (an upheld one,
    where the kind requires it, must have led to a re-vote instead)."""
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        unanswered = project.objections.filter(answered_at__isnull=True).count()
        facts = {
            "unanswered_objections": unanswered,
            "publicity_over": _publicity_over(project),
            "passed": project.outcome in workflow.PASSED,
        }
        problem = workflow.guard_problem(workflow.APPROVE, facts)
        if problem:
            raise Conflict(problem, code="cannot_approve", fields={"project": project.pk})
        rules = workflow.Rules.from_data(project.rules)
        if rules.revote_on_objection and project.objections.filter(upheld=True).exists():
            raise Conflict(
                _("有异议被认定成立，按该类别规则须重新表决"),
                code="revote_required",
                fields={"project": project.pk},
            )
        step(actor, project, workflow.APPROVE, note=_text(note, 2000))
    return project


# ------------------------------------------------------------------------------------------------ delivery
def do_start_delivery(*, actor, project_id, department=None, vendor: str = "", budget=None) -> Project:
    from jingzhi.accounts.models import Department

    vendor = _required(vendor, "vendor", _("请填写实施单位或运营方"), 120)
    budget = _amount(budget, "budget", _("预算"))
    dept = None
    if department not in (None, ""):
        dept_pk = parse_id(getattr(department, "pk", department))
        dept = Department.objects.filter(pk=dept_pk, is_active=True).first() if dept_pk else None
        if dept is None:
            raise InvalidInput(_("责任部门不存在"), fields={"department": "unknown"})
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        step(actor, project, workflow.START_DELIVERY, note=vendor)
        project.department, project.vendor, project.budget = dept, vendor, budget
        project.save(update_fields=["department", "vendor", "budget"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.DELIVERY_RECORDED,
            target=project,
            new={"department": dept.pk if dept else None, "vendor": vendor, "budget": budget},
        )
    return project


def do_record_milestone(
    *, actor, project_id, title: str, progress, note: str = "", case_id=None, case_number: str = "", photos=()
) -> Milestone:
    title = _required(title, "title", _("请填写进度节点"), 120)
    try:
        progress = int(progress)
        if not 0 <= progress <= 100:
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidInput(_("进度应为 0 到 100 之间的整数"), fields={"progress": "invalid"}) from None
    case = None
    if case_id not in (None, ""):
        from jingzhi.cases.permissions import access_case

        case = access_case(actor, case_id)
    elif (case_number or "").strip():
        # The web form names the case by its number, as people do; one the actor may not see is the same
        # answer as a missing one, and a form error names the field.
        from jingzhi.cases.permissions import access_case_by_number
        from jingzhi.core.errors import NotFound

        try:
            case = access_case_by_number(actor, case_number)
        except NotFound as exc:
            raise InvalidInput(exc.message, fields={"case_number": "invalid"}) from None
    # Progress photos are public with the project: stored under a neutral name, never the uploader's file
    # name (which may name a household); errors above still name the file as uploaded.
    prepared = [
        dataclasses.replace(p, name=f"progress-{n}.jpg")
        for n, p in enumerate(_prepared_photos(photos), start=1)
    ]
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        last = project.milestones.order_by("-created_at", "-id").first()
        if last is not None and progress < last.progress:
            raise InvalidInput(
                _("进度不能倒退（上次为 %(p)d%%）") % {"p": last.progress}, fields={"progress": "backwards"}
            )
        step(actor, project, workflow.MILESTONE, note=title)
        milestone = Milestone.objects.create(
            project=project, title=title, progress=progress, note=_text(note, 5000), case=case
        )
        for upload in prepared:
            do_store_image(actor=_user(actor), upload=upload, owner=milestone, kind="progress")
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.MILESTONE_RECORDED,
            target=milestone,
            new={"progress": progress},
        )
    return milestone


def do_accept_delivery(*, actor, project_id, note: str, representatives) -> Project:
    """验收 with resident representatives (at least one) present."""
    note = _required(note, "note", _("请填写验收意见"), 5000)
    try:
        representatives = int(representatives)
        if not 1 <= representatives <= 1000:
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidInput(
            _("验收须有居民代表参加（1 到 1000 人）"), fields={"representatives": "invalid"}
        ) from None
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        step(actor, project, workflow.ACCEPT_DELIVERY, note=note)
        project.accepted_at, project.acceptance_note = clock.now(), note
        project.acceptance_representatives = representatives
        project.save(update_fields=["accepted_at", "acceptance_note", "acceptance_representatives"])
    return project


def do_rate(*, actor, project_id, score, comment: str = "") -> Rating:
    """Satisfaction (1–5) from a household that was on the project's last register; one per household (a
    second rating replaces the first). Most ratings poor flags the operator for replacement."""
    try:
        score = int(score)
        if not 1 <= score <= 5:
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidInput(_("评分应为 1 到 5"), fields={"score": "invalid"}) from None
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        round_ = current_round(project)
        entry = (
            RegisterEntry.objects.filter(
                round=round_, household_id__in=permissions.household_ids_of(actor)
            ).first()
            if round_
            else None
        )
        step(actor, project, workflow.RATE, kinds={workflow.RESIDENT} if entry else set())
        replaced = (
            Rating.objects.filter(project=project, household_id=entry.household_id)
            .values_list("created_at", flat=True)
            .first()
        )
        rating, _created = Rating.objects.update_or_create(
            project=project,
            household_id=entry.household_id,
            defaults={"score": score, "comment": _text(comment, 300), "created_at": clock.now()},
        )
        flagged = workflow.satisfaction(project.ratings.values_list("score", flat=True)).flagged
        if flagged != project.operator_flagged:
            project.operator_flagged = flagged
            project.save(update_fields=["operator_flagged"])
        audit.record(
            actor=_user(actor), verb=AuditVerb.RATED, target=project, new={"score": score, "flagged": flagged}
        )
        core_hooks.fire(
            hooks.PROJECT_RATED,
            project_id=project.pk,
            rating_id=rating.pk,
            rated_at=rating.created_at.isoformat(),
            replaced_at=replaced.isoformat() if replaced else "",
        )
    return rating


def publicity_window(rules: workflow.Rules):
    start = clock.now()
    return start, start + timedelta(days=rules.publicity_days)
