"""Navigation entries and home-page blocks of 多元共治, collected by the web app's navigation: only entries
the user can actually use."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhi.accounts import access
from jingzhi.core.urls import fixed_url
from jingzhi.councils import permissions


def _live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def entries(user) -> list[dict]:
    if not _live(user):
        return []
    out = []
    held = access.memberships(user)  # one statement for every app's memberships, cached on the user
    is_member = "council_member" in held
    if is_member or access.has_role(user, *permissions.STAFF):
        out.append({"key": "councils", "label": _("理事会"), "url": fixed_url("web:councils"), "order": 40})
    if access.has_role(user, *permissions.STAFF) or access.department_ids(user, roles=["handler"]):
        out.append({"key": "meetings", "label": _("联席会议"), "url": fixed_url("web:meetings"), "order": 41})
    # Party members register with their home community from the task board: offered to those registered, to
    # administrators (who publish tasks) and to staff (in-service party members); a resident-only account
    # keeps its short menu and can open /councils/tasks/ directly.
    if (
        "party_member" in held
        or access.has_role(user, *permissions.STAFF)
        or access.department_ids(user, roles=["handler"])
    ):
        out.append(
            {"key": "tasks", "label": _("党员报到"), "url": fixed_url("web:community_tasks"), "order": 42}
        )
    return out


def home_blocks(user) -> list[dict]:
    """A council member's next patrol on the home page."""
    if not _live(user):
        return []
    from jingzhi.councils import queries

    shifts = queries.my_shifts(user, limit=3)
    if not shifts:
        return []
    for shift in shifts:
        shift.status = queries.shift_status(shift)
    return [
        {
            "key": "councils_shifts",
            "role": "council_member",
            "title": _("我的巡查"),
            "template": "web/councils/_home_shifts.html",
            "context": {"shifts": shifts},
            "order": 10,
        }
    ]
