"""十无一创建 in the header and on the home page (contract: `jingzhi.web.navigation`).

Header: the street list for the staff who may open a street's page (`permissions.STREET_STAFF`; a steward's
one street is in "我的街巷"), and "我的街巷" for chiefs and stewards. Home: the chief's streets with what is due (the task letter to sign,
failing items, overdue cases and plan items), the steward's streets with this week's patrol log, a council
member's street as its public page shows it, and for assessors and administrators the streets not yet
checked this month. Reads come from `rectification.queries`, scoped there.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhi.accounts import access
from jingzhi.core.urls import fixed_url
from jingzhi.rectification import permissions, queries

IDLE = 50


def works_streets(user) -> bool:
    """The street list is for those who work many streets; a steward's street is in 我的街巷."""
    return access.has_role(user, *(r for r in permissions.STREET_STAFF if r != "steward"))


def keeps_streets(user) -> bool:
    """A chief or steward with an active appointment (their dashboard is 我的街巷)."""
    # One statement for every app's memberships, cached on the user (`access.memberships`).
    return bool(access.memberships(user) & {"street_chief", "steward"})


def entries(user) -> list[dict]:
    items = []
    if keeps_streets(user):
        items.append(
            {"key": "streets_mine", "label": _("我的街巷"), "url": fixed_url("web:streets_mine"), "order": 25}
        )
    if works_streets(user):
        items.append({"key": "streets", "label": _("街巷整治"), "url": fixed_url("web:streets"), "order": 30})
    return items


def home_blocks(user) -> list[dict]:
    roles = access.roles_of(user)
    blocks = []
    chief = queries.chief_dashboard(user)
    for street in chief:
        street.can_patrol = permissions.can_inspect(user, street.row.code, "chief_patrol")
    if chief:
        due = any(
            (s.letter and not s.letter.signed_at)
            or s.overdue_cases
            or s.overdue_plan_items
            or s.pending_proposals
            for s in chief
        )
        blocks.append(
            {
                "key": "chief",
                "role": "street_chief",
                "title": _("我负责的街巷"),
                "template": "web/home/chief.html",
                "context": {"streets": chief},
                "order": 18 if due else 25,
            }
        )
    stewarding = queries.stewarding_for(user)
    if stewarding:
        blocks.append(
            {
                "key": "steward",
                "role": "steward",
                "title": _("我管护的街巷"),
                "template": "web/home/steward.html",
                "context": {"streets": stewarding},
                "order": 22 if any(s.patrols_this_week == 0 for s in stewarding) else 26,
            }
        )
    if "council_member" in roles:
        blocks.append(
            {
                "key": "council",
                "role": "council_member",
                "title": _("我所在理事会的街巷"),
                "template": "web/home/council.html",
                "context": {"streets": queries.council_streets_for(user)},
                "order": 28,
            }
        )
    checkers = {"assessor", *permissions.ADMINS}
    if roles & checkers or access.is_superuser(user):
        due = queries.inspection_due(user)
        busy = due["unchecked"] or due["proposals"]
        blocks.append(
            {
                "key": "street-checks",
                "role": next((r for r in ("assessor", *permissions.ADMINS) if r in roles), "district_admin"),
                "title": _("街巷检查"),
                "template": "web/home/street_checks.html",
                "context": {
                    "due": due,
                    "can_decide": bool(roles & set(permissions.ADMINS)) or access.is_superuser(user),
                },
                "order": (20 if "assessor" in roles else 35) + (0 if busy else IDLE),
            }
        )
    return blocks
