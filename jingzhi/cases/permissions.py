"""Who may see a case and what they may do with it: the one module every view, endpoint and action asks.

`roles_on_case(user, case)` is the bridge between a person and the pure transition table: the roles they
hold *on this case* — a place role counts only where its jurisdiction covers the case's grid or street, a
handler only for a department currently assigned to the case, "reporter" only for the person who reported
it. `access_case` fetches a case through `queries.cases_visible_to`, so a missing case and a case outside
one's reach give the same NotFound (a department never learns another department's case exists).
Predicates are small and deny by default; `allowed_actions_for` is what the workbench shows as buttons.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.accounts import access
from jingzhi.accounts.rules import code_covers
from jingzhi.cases import deadlines, workflow
from jingzhi.core.errors import NotFound, PermissionDenied
from jingzhi.core.ids import parse_id
from jingzhi.core.text import listing


def _live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def active_department_ids(case) -> set[int]:
    """Departments currently assigned to the case (uses the queue's prefetch when present)."""
    prefetched = getattr(case, "active_assignments", None)
    if prefetched is not None:
        return {a.department_id for a in prefetched}
    from jingzhi.cases.models import CaseAssignment

    return set(
        CaseAssignment.objects.filter(case_id=case.pk, is_active=True).values_list("department_id", flat=True)
    )


def ever_department_ids(case) -> set[int]:
    from jingzhi.cases.models import CaseAssignment

    return set(CaseAssignment.objects.filter(case_id=case.pk).values_list("department_id", flat=True))


def covers_case(user, case, roles) -> bool:
    """Whether one of the user's `roles` has a jurisdiction covering the case's place."""
    return any(access.covers(user, code, roles=roles) for code in case.place_codes)


def roles_on_case(user, case) -> set[str]:
    """The workflow roles `user` holds on `case`."""
    if not _live(user):
        return set()
    roles: set[str] = set()
    if case.reporter_id is not None and case.reporter_id == user.pk:
        roles.add(workflow.REPORTER)
    if access.is_superuser(user):
        return roles | set(workflow.PLACE_ROLES) | {workflow.HANDLER}
    grants = access.grants(user)
    codes = case.place_codes
    for grant in grants:
        if grant.role in workflow.PLACE_ROLES and any(code_covers(grant.place_code, code) for code in codes):
            roles.add(grant.role)
    handler_departments = {g.department_id for g in grants if g.role == workflow.HANDLER and g.department_id}
    if handler_departments and handler_departments & active_department_ids(case):
        roles.add(workflow.HANDLER)
    return roles


def actor_departments_on_case(user, case) -> list[int]:
    """The actor's departments among the case's current ones (lead first)."""
    mine = access.department_ids(user, roles=[workflow.HANDLER])
    current = active_department_ids(case)
    both = mine & current
    lead = case.lead_department_id
    return sorted(both, key=lambda pk: (pk != lead, pk))


def can_see(user, case) -> bool:
    """The in-memory twin of `queries.cases_visible_to` for one case (an action re-checks a locked row)."""
    if not _live(user):
        return False
    if access.is_superuser(user):
        return True
    if case.reporter_id == user.pk:
        return True
    if covers_case(user, case, roles=workflow.PLACE_ROLES):
        return True
    mine = access.department_ids(user, roles=workflow.DEPARTMENT_READERS)
    if mine and mine & ever_department_ids(case):
        return True
    from jingzhi.cases.models import CaseFollower

    return CaseFollower.objects.filter(case_id=case.pk, user_id=user.pk).exists()


def access_case(user, case_id):
    """The case, pre-joined, if `user` may see it; NotFound (the same one) when missing or forbidden."""
    from jingzhi.cases.queries import visible_case

    pk = parse_id(case_id)
    case = visible_case(user, pk=pk) if pk is not None else None
    if case is None:
        raise NotFound(_("案件不存在，或您无权查看（编号 %(id)s）") % {"id": case_id})
    return case


def access_case_by_number(user, number: str):
    from jingzhi.cases.queries import visible_case

    case = visible_case(user, number=(number or "").strip())
    if case is None:
        raise NotFound(_("案件不存在，或您无权查看（%(number)s）") % {"number": number})
    return case


def facts_of(case, *, requested_days: int = 0) -> workflow.CaseFacts:
    from jingzhi.cases.models import ExtensionRequest, ExtensionStatus

    pending = (
        ExtensionRequest.objects.filter(case_id=case.pk, status=ExtensionStatus.PENDING).exists()
        if case.state == workflow.HANDLING
        else False
    )
    return workflow.CaseFacts(
        rating=case.rating,
        reopen_count=case.reopen_count,
        has_pending_extension=pending,
        extension_days=case.extension_days,
        max_reopens=deadlines.max_reopens(),
        max_extension_days=deadlines.max_extension_days(),
        requested_days=requested_days,
    )


def allowed_actions_for(user, case) -> list[str]:
    """Exactly the actions the table and the case's facts allow `user` now (the workbench's buttons)."""
    actions = workflow.allowed_actions(case.state, roles_on_case(user, case))
    if not actions:
        return []
    facts = facts_of(case)
    return [a for a in actions if workflow.guard_problem(a, facts) is None]


def can_act(user, case, action: str) -> bool:
    return action in allowed_actions_for(user, case)


def can_view_reporter(user, case) -> bool:
    """Reporter name and phone: the reporter themself, and government staff working on this case."""
    roles = roles_on_case(user, case)
    if workflow.REPORTER in roles:
        return True
    return access.is_staff_user(user) and bool(roles & (workflow.PLACE_ROLES | {workflow.HANDLER}))


def can_rate_whistle(user, whistle) -> bool:
    return _live(user) and access.covers(user, whistle.subdistrict_code, roles=[workflow.SUBDISTRICT_ADMIN])


def can_report_in(user, summons) -> bool:
    if not _live(user):
        return False
    if access.is_superuser(user):
        return True
    return summons.department_id in access.department_ids(user, roles=[workflow.HANDLER])


def can_import_hotline(user) -> bool:
    return access.has_role(user, workflow.OPERATOR, workflow.SHIFT_LEAD, workflow.DISTRICT_ADMIN)


# ---------------------------------------------------------------------------------------------------- sources
# Which sources a person may file a report under, by role; everybody may report as a resident (resident_web).
# Checked by `actions.do_open_case` for every person (web, API, import, feature apps alike); the system
# (actor None: Open311's facade, the demo, cron) files under the source its caller names. Admins may also file
# under the sources of the inspections and patrols they may record on a street's behalf (十无一创建).
_OFFICE = ("hotline", "leader", "media", "sensor", "patrol")
ROLE_SOURCES = {
    workflow.INSPECTOR: ("inspector", "patrol"),
    workflow.STREET_CHIEF: ("street_chief", "patrol"),
    workflow.STEWARD: ("steward",),
    workflow.COUNCIL_MEMBER: ("council",),
    workflow.ASSESSOR: ("assessor",),
    workflow.OPERATOR: _OFFICE,
    workflow.SHIFT_LEAD: _OFFICE,
    workflow.DISPATCHER: _OFFICE,
    workflow.DISTRICT_ADMIN: (*_OFFICE, "assessor", "street_chief", "steward"),
    workflow.SUBDISTRICT_ADMIN: (
        "patrol",
        "leader",
        "media",
        "sensor",
        "assessor",
        "street_chief",
        "steward",
    ),
}
RESIDENT_SOURCE = "resident_web"


def sources_for(user) -> list[str]:
    """The sources `user` may file under, their default first (dict order is the priority of the default)."""
    from jingzhi.cases.models import Source

    if not _live(user):
        return []
    if access.is_superuser(user):
        return ["patrol", *[v for v in Source.values if v not in ("patrol", "open311")]]
    roles = access.roles_of(user)
    out: list[str] = []
    for role, sources in ROLE_SOURCES.items():
        if role in roles:
            out += [v for v in sources if v not in out]
    return out if RESIDENT_SOURCE in out else [*out, RESIDENT_SOURCE]


def can_file_under(user, source: str) -> bool:
    return source in sources_for(user)


def check_source(user, source: str) -> None:
    """PermissionDenied naming the sources `user` may use, unless they may file under `source`."""
    from jingzhi.cases.models import Source

    allowed = sources_for(user)
    if source not in allowed:
        labels = dict(Source.choices)
        names = listing(str(labels[a]) for a in allowed)
        raise PermissionDenied(
            _("您不能以“%(source)s”来源上报。您可用的来源：%(allowed)s")
            % {"source": labels.get(source, source), "allowed": names},
            fields={"source": [_("可用的来源：%(allowed)s") % {"allowed": names}]},
            details={"allowed_sources": allowed},
        )
