"""Who may do what in 民意立项: small predicates composed of named conditions, denied by default.

- The office (街道/区): a subdistrict or district admin whose jurisdiction covers the project's scope runs
  every staff step (drafting, accepting, meetings, opening and closing votes, paper ballots, answering
  objections, approval, delivery, acceptance) and keeps the household register of the communities it covers.
- Residents act through their household: a person matched to a household on the register (a
  `HouseholdMember`) co-signs, votes, objects and rates for the projects whose scope holds that household.
- Anyone may read a published project's public page (no personal data there); drafts and system proposals
  are the office's working papers. Missing and forbidden give the same NotFound.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.accounts import access
from jingzhi.core.errors import NotFound
from jingzhi.projects import workflow

OFFICE_ROLES = ("district_admin", "subdistrict_admin")
READER_ROLES = (*OFFICE_ROLES, "assessor")


def _live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def within_jurisdiction(user, code: str, roles=OFFICE_ROLES) -> bool:
    return _live(user) and bool(code) and access.covers(user, code, roles=roles)


def can_manage_project(user, project) -> bool:
    return within_jurisdiction(user, project.scope_code)


def can_manage_scope(user, scope_code: str) -> bool:
    return within_jurisdiction(user, scope_code)


def can_keep_register(user, community_code: str) -> bool:
    return within_jurisdiction(user, community_code)


def can_read_staff_view(user, project) -> bool:
    return within_jurisdiction(user, project.scope_code, READER_ROLES)


def can_view_project(user, project) -> bool:
    return project.is_public or can_manage_project(user, project)


def is_office_user(user) -> bool:
    return _live(user) and (access.is_superuser(user) or access.has_role(user, *OFFICE_ROLES))


def household_ids_of(user) -> list[int]:
    """The active households the person is matched to on the register."""
    if not _live(user):
        return []
    from jingzhi.projects.models import HouseholdMember

    return list(
        HouseholdMember.objects.filter(user_id=user.pk, household__is_active=True).values_list(
            "household_id", flat=True
        )
    )


def actors_for(user, project, *, in_scope: bool | None = None) -> set[str]:
    """The kinds of actor (workflow.OFFICE / RESIDENT) `user` is on `project`. `in_scope`: whether one of
    the user's households is in the project's scope (computed when not given)."""
    kinds: set[str] = set()
    if can_manage_project(user, project):
        kinds.add(workflow.OFFICE)
    if in_scope is None:
        from jingzhi.projects.queries import households_in_scope

        in_scope = households_in_scope(project).filter(pk__in=household_ids_of(user)).exists()
    if in_scope:
        kinds.add(workflow.RESIDENT)
    return kinds


def access_project(user, project_id, *, for_update: bool = False, staff: bool = False):
    """The project when `user` may see it (`user` None is the system; `staff`: only its office); NotFound,
    the same, when it is missing or not theirs to see. Every door fetches projects through here."""
    from jingzhi.core.ids import parse_id
    from jingzhi.projects.models import Project

    rows = Project.objects.select_related("kind", "department")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    pk = parse_id(project_id)
    project = rows.filter(pk=pk).first() if pk else None
    visible = project is not None and (
        user is None or (can_manage_project(user, project) if staff else can_view_project(user, project))
    )
    if not visible:
        raise NotFound(
            _("项目不存在，或您无权查看（编号 %(id)s）") % {"id": project_id}, fields={"project": project_id}
        )
    return project


def access_objection(user, objection_id, *, for_update: bool = False):
    from jingzhi.core.ids import parse_id
    from jingzhi.projects.models import Objection

    rows = Objection.objects.select_related("project")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    pk = parse_id(objection_id)
    objection = rows.filter(pk=pk).first() if pk else None
    if objection is None or (user is not None and not can_manage_project(user, objection.project)):
        raise NotFound(
            _("异议不存在，或您无权处理（编号 %(id)s）") % {"id": objection_id},
            fields={"objection": objection_id},
        )
    return objection


def access_meeting(user, meeting_id, *, for_update: bool = False):
    from jingzhi.core.ids import parse_id
    from jingzhi.projects.models import Meeting

    rows = Meeting.objects.select_related("project")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    pk = parse_id(meeting_id)
    meeting = rows.filter(pk=pk).first() if pk else None
    if meeting is None or (user is not None and not can_manage_project(user, meeting.project)):
        raise NotFound(
            _("会议不存在，或您无权处理（编号 %(id)s）") % {"id": meeting_id}, fields={"meeting": meeting_id}
        )
    return meeting
