"""民情推动型: when a new case completes a pattern (≥ N cases of one category in one community within a
window, the `DriveRule` rows), the system proposes a project with the cases attached as evidence; staff
adopt or dismiss it. One proposal per rule and community while an earlier one is still live."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock
from jingzhi.core.errors import InvalidInput, PermissionDenied
from jingzhi.projects import permissions, workflow
from jingzhi.projects.models import DriveRule, Project, ProjectKind
from jingzhi.projects.verbs import AuditVerb

from ._common import _user
from .lifecycle import do_create_project


def do_save_drive_rule(*, actor, category, kind, min_cases: int, days: int = 90) -> DriveRule:
    if actor is not None and not permissions.access.has_role(actor, "district_admin"):
        raise PermissionDenied(_("民情推动规则由区管理员维护"))
    try:
        min_cases, days = int(min_cases), int(days)
        if min_cases < 1 or not 1 <= days <= 366:
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidInput(
            _("案件数应为正整数，天数应为 1 到 366"), fields={"min_cases": "invalid"}
        ) from None
    if not isinstance(kind, ProjectKind):
        kind = ProjectKind.objects.get(code=kind)
    with transaction.atomic():
        rule, _created = DriveRule.objects.update_or_create(
            category=category, kind=kind, defaults={"min_cases": min_cases, "days": days, "is_active": True}
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.DRIVE_RULE_SAVED,
            target=rule,
            new={"category": category.pk, "kind": kind.code, "min_cases": min_cases, "days": days},
        )
    return rule


def propose_from_case(case) -> Project | None:
    """Check the rules of the case's category in its community; propose at most one project."""
    from jingzhi.cases.models import Case

    if not case.community_code or not case.category_id:
        return None
    for rule in DriveRule.objects.filter(category_id=case.category_id, is_active=True).select_related("kind"):
        since = clock.now() - timedelta(days=rule.days)
        cases = list(
            Case.objects.filter(
                category_id=rule.category_id, community_code=case.community_code, reported_at__gte=since
            ).values_list("pk", flat=True)[:500]
        )
        if not workflow.cases_needed(len(cases), rule.min_cases):
            continue
        live = Project.objects.filter(
            type=workflow.DRIVEN, kind=rule.kind, scope_code=case.community_code
        ).exclude(state__in=workflow.TERMINAL | {workflow.CLOSED})
        if live.exists():
            continue
        return do_create_project(
            actor=None,
            kind=rule.kind,
            project_type=workflow.DRIVEN,
            title=_("%(k)s（%(n)d 件同类案件推动）") % {"k": rule.kind.name, "n": len(cases)},
            description=_("%(d)d 天内本社区同类案件达到 %(n)d 件，系统提议立项。")
            % {"d": rule.days, "n": len(cases)},
            scope_code=case.community_code,
            evidence_case_ids=cases,
        )
    return None
