"""Grades: replaying a street's monthly scores into 降档/复档, accountability proposals, awarded grades."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock, hooks
from jingzhi.core.errors import InvalidInput, PermissionDenied
from jingzhi.core.types import Actor
from jingzhi.rectification import permissions, rules
from jingzhi.rectification.hooks import STREET_MONTHS_CHANGED
from jingzhi.rectification.models import (
    AccountabilityProposal,
    AccountabilityRule,
    ChiefAssignment,
    Grade,
    GradeChange,
    GradeChangeKind,
    Inspection,
    ItemResult,
    ProposalKind,
    StandardVersion,
    StreetMonth,
    StreetRecord,
)
from jingzhi.rectification.queries import grade_rule, month_scores, street_link, today
from jingzhi.rectification.verbs import AuditVerb

from ._common import _admins_of, _notify, _record, _street, _text, _user


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
            verb=AuditVerb.GRADE_CHANGE_SUPERSEDED,
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
            verb=AuditVerb(f"rectification.grade_{step.kind}"),
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
    _record_months(record.street_code, scores=scores, awards=awards, rule=rule, version=version)
    if old != {"grade": record.grade, "is_civilized": record.is_civilized}:
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.STREET_GRADED,
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

            def title(change=change):  # rendered once per interface language by notify
                return _("%(s)s %(k)s：%(g)s") % {
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


def _record_months(street_code: str, *, scores, awards, rule, version) -> None:
    """Rewrite the street's month-end states (`StreetMonth`) from its first graded month to its latest one:
    the grade replayed over the months up to each, and 文明街巷 by the same rule as the current state, with
    the satisfaction known at that month. Rows that no longer follow from the scores go."""
    known = sorted(set(scores) | set(awards), key=rules.month_index)
    wanted: dict[str, tuple[str, bool]] = {}
    if known:
        clean = _month_clean(street_code)
        satisfactions = list(
            Inspection.objects.filter(street_code=street_code, satisfaction__isnull=False)
            .order_by("inspected_on", "id")
            .values_list("month", "satisfaction")
        )
        for month in rules.months_between(known[0], known[-1]):
            upto = rules.month_index(month)
            grade, _awarded, _steps = rules.replay_grades(
                {m: v for m, v in scores.items() if rules.month_index(m) <= upto},
                rule,
                awards={m: g for m, g in awards.items() if rules.month_index(m) <= upto},
            )
            satisfaction = None
            for placed, value in satisfactions:
                if rules.month_index(placed) <= upto:
                    satisfaction = value
            civilized = bool(
                version
                and month in scores
                and grade != Grade.FAILING
                and rules.civilized(
                    clean,
                    month,
                    satisfaction,
                    clean_months=version.civilized_clean_months,
                    min_satisfaction=version.civilized_satisfaction,
                )
            )
            wanted[month] = (grade, civilized)
    subdistrict = (
        Inspection.objects.filter(street_code=street_code)
        .order_by("-inspected_on", "-id")
        .values_list("subdistrict_code", flat=True)
        .first()
        or ""
    )
    existing = {row.month: row for row in StreetMonth.objects.filter(street_code=street_code)}
    StreetMonth.objects.filter(street_code=street_code).exclude(month__in=list(wanted)).delete()
    changed = {month for month in existing if month not in wanted}
    for month, (grade, civilized) in wanted.items():
        row = existing.get(month)
        if row is None or (row.grade, row.is_civilized, row.subdistrict_code) != (
            grade,
            civilized,
            subdistrict,
        ):
            changed.add(month)
        if row is None:
            StreetMonth.objects.create(
                street_code=street_code,
                subdistrict_code=subdistrict,
                month=month,
                grade=grade,
                is_civilized=civilized,
            )
        elif (row.grade, row.is_civilized, row.subdistrict_code) != (grade, civilized, subdistrict):
            row.grade, row.is_civilized, row.subdistrict_code = grade, civilized, subdistrict
            row.save(update_fields=["grade", "is_civilized", "subdistrict_code"])
    if changed:
        hooks.fire(STREET_MONTHS_CHANGED, street_code=street_code, months=sorted(changed))


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
            verb=AuditVerb.PROPOSAL_MADE,
            target=proposal,
            new={"kind": ref.proposal, "month": month, "run": run, "chief": chief.pk if chief else None},
        )
        _notify(
            _admins_of(record.street_code),
            verb="accountability_proposed",
            title=lambda ref=ref: (
                _("问责建议：%(s)s %(k)s") % {"s": record.street_name, "k": ProposalKind(ref.proposal).label}
            ),
            body=reason,
            link=street_link(record.street_code),
            target=proposal,
        )
        made.append(proposal)
    return made


def do_award_grade(*, actor: Actor, street_code: str, grade: str, reason: str) -> GradeChange:
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
        month = rules.month_of(today())
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
            verb=AuditVerb.GRADE_AWARDED,
            target=change,
            old={"awarded": record.awarded_grade},
            new={"awarded": grade},
            note=reason,
        )
        _update_street(record, actor=actor, month=month)
    return change
