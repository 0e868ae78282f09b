"""Who may see and do what in 多元共治: small predicates denied by default, and the access helpers every door
fetches through (missing and forbidden raise the same NotFound).

- Setting up a council (creating it, members, settings), registering property companies, publishing
  community tasks, convening joint and property meetings: district/subdistrict admins covering the place.
- A council's chief and secretary-general generate and publish its rosters and record its meetings (as do
  the admins); the chief (or an admin) decides swaps.
- A council is seen by its active members, and by staff whose jurisdiction covers its area.
- Only the member on a shift checks in and reports findings on it.
- An action item is closed by its owner (the person, or a handler of the owning department), the meeting's
  organisers, or an admin covering its place.
- Party members register themselves; they sign up for and check in to their own community's tasks.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.accounts import access
from jingzhi.core.errors import NotFound
from jingzhi.core.ids import parse_id
from jingzhi.core.types import Reader, RowId

ADMINS = ("district_admin", "subdistrict_admin")
# Staff who may look at councils (and their missed patrols) in their jurisdiction.
STAFF = (
    *ADMINS,
    "assessor",
    "inspector",
    "operator",
    "shift_lead",
    "dispatcher",
    "street_chief",
    "steward",
)


def _live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def within_jurisdiction(user, code: str, roles) -> bool:
    return _live(user) and access.covers(user, code, roles=roles)


def is_staff(user) -> bool:
    """Holds a staff role somewhere (who may open the property companies' list, scoped by its query)."""
    return _live(user) and access.has_role(user, *STAFF)


def can_administer(user, code: str) -> bool:
    return within_jurisdiction(user, code, ADMINS)


def membership(user, council):
    """The user's active membership of `council`, or None."""
    if not _live(user):
        return None
    cache = getattr(council, "_active_members", None)
    if cache is None:
        cache = {m.user_id: m for m in council.members.filter(is_active=True)}
        council._active_members = cache
    return cache.get(user.pk)


def can_view_council(user, council) -> bool:
    return (
        membership(user, council) is not None
        or within_jurisdiction(user, council.area_code, STAFF)
        or access.is_superuser(user)
    )


def can_manage_council(user, council) -> bool:
    """Settings and members: admins only."""
    return can_administer(user, council.area_code)


def can_organise(user, council) -> bool:
    """Rosters, swaps' decisions and council meetings: the chief and secretary-general, or admins."""
    m = membership(user, council)
    return (m is not None and m.role in ("chief", "secretary")) or can_administer(user, council.area_code)


def can_decide_swap(user, council) -> bool:
    m = membership(user, council)
    return (m is not None and m.role == "chief") or can_administer(user, council.area_code)


def can_patrol(user, shift) -> bool:
    return _live(user) and shift.member.user_id == user.pk and shift.member.is_active


def can_view_meeting(user, meeting) -> bool:
    if meeting.council_id is not None and can_view_council(user, meeting.council):
        return True
    if within_jurisdiction(user, meeting.area_code, STAFF):
        return True
    if _live(user):
        departments = access.department_ids(user, roles=["handler"])
        if departments and any(d.pk in departments for d in meeting.invited_departments.all()):
            return True
    return False


def can_record_meeting(user, meeting) -> bool:
    if meeting.council_id is not None and can_organise(user, meeting.council):
        return True
    return can_administer(user, meeting.area_code)


def can_close_item(user, item) -> bool:
    if not _live(user):
        return False
    if item.owner_user_id == user.pk:
        return True
    if item.owner_department_id and item.owner_department_id in access.department_ids(
        user, roles=["handler"]
    ):
        return True
    return can_record_meeting(user, item.meeting)


def can_publish_tasks(user, community_code: str) -> bool:
    return can_administer(user, community_code)


# ----------------------------------------------------------------------------------------- access helpers
def _not_found(what: str, pk) -> NotFound:
    return NotFound(_("%(what)s不存在，或您无权查看（编号 %(id)s）") % {"what": what, "id": pk})


def access_council(user: Reader, council_id: RowId):
    from jingzhi.councils.models import Council

    council = Council.objects.filter(pk=parse_id(council_id)).first()
    if council is None or not can_view_council(user, council):
        raise _not_found(_("理事会"), council_id)
    return council


def access_shift(user: Reader, shift_id: RowId):
    """A shift the user may see (their own, or of a council they may see)."""
    from jingzhi.councils.models import Shift

    shift = (
        Shift.objects.select_related("member__user", "council", "roster")
        .filter(pk=parse_id(shift_id))
        .first()
    )
    if shift is None or not (can_patrol(user, shift) or can_view_council(user, shift.council)):
        raise _not_found(_("巡查班次"), shift_id)
    return shift


def access_meeting(user: Reader, meeting_id: RowId):
    from jingzhi.councils.models import Meeting

    meeting = (
        Meeting.objects.select_related("council", "property_company").filter(pk=parse_id(meeting_id)).first()
    )
    if meeting is None or not can_view_meeting(user, meeting):
        raise _not_found(_("会议"), meeting_id)
    return meeting


def access_action_item(user: Reader, item_id: RowId):
    from jingzhi.councils.models import ActionItem

    item = (
        ActionItem.objects.select_related("meeting__council", "owner_user", "owner_department", "case")
        .filter(pk=parse_id(item_id))
        .first()
    )
    if item is None or not (can_close_item(user, item) or can_view_meeting(user, item.meeting)):
        raise _not_found(_("会议任务"), item_id)
    return item


def access_task(user: Reader, task_id: RowId):
    """A community task: seen by the community's admins and by party members registered there."""
    from jingzhi.councils.models import CommunityTask, PartyMember

    task = CommunityTask.objects.filter(pk=parse_id(task_id)).first()
    if task is None:
        raise _not_found(_("社区任务"), task_id)
    if can_publish_tasks(user, task.community_code):
        return task
    if _live(user) and PartyMember.objects.filter(user=user, community_code=task.community_code).exists():
        return task
    raise _not_found(_("社区任务"), task_id)
