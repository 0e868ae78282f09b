"""The case pages in the header and on the home page (contract: `jingzhi.web.navigation`).

Header: staff work from the workbench; everybody else (residents, and volunteers whose workbench would hold
only their own reports) reports a problem and follows their reports.
Home: a block per role — the resident's "反映问题" and their reports; the inspector's verify and check tasks
on their beat; the operator's, shift lead's, dispatcher's and handler's queues with their counts; the
administrators' month. Every figure comes from `cases.queries` (scoped there, in one place).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhi.accounts import access
from jingzhi.cases import permissions, queries, workflow
from jingzhi.core import clock
from jingzhi.core.urls import fixed_url

# Per desk role: the queues whose first cases the block lists, then the tabs it counts. Queue names and
# their order follow the loop (cases.queries.QUEUES); a department user counts its department's queues.
ROLE_QUEUES = {
    "operator": (("verify",), ("verify", "callback", "supervision")),
    "shift_lead": (("filing",), ("filing", "callback", "supervision")),
    "dispatcher": (("dispatch",), ("dispatch", "handling", "parked", "supervision")),
    "handler": (("response", "handling"), ("response", "handling", "check", "supervision")),
}
ROLE_TITLES = {
    "operator": _("受理：待核实的上报"),
    "shift_lead": _("值班长：待立案"),
    "dispatcher": _("派遣：待派遣"),
    "handler": _("本部门的案件"),
}
SUMMARY_ROLES = ("district_admin", "subdistrict_admin", "assessor")
QUEUE_ROWS = 5
# Blocks with nothing to do sink below those that have work.
IDLE = 50


def is_staff(user) -> bool:
    return access.can_view_staff_pages(user)


def works_cases(user) -> bool:
    """Whether the workbench holds work of this person's: a role that sees cases by place or department
    (`workflow.PLACE_ROLES`, handlers), Django staff or a superuser. Volunteers (stewards, council members)
    may open it, but it would only list their own reports: their header offers 我的上报 instead."""
    return bool(
        access.is_superuser(user)
        or getattr(user, "is_staff", False)
        or access.has_role(user, *workflow.PLACE_ROLES, workflow.HANDLER)
    )


def entries(user) -> list[dict]:
    if works_cases(user):
        items = [
            {
                "key": "cases_workbench",
                "label": _("案件工作台"),
                "url": fixed_url("web:cases_workbench"),
                "order": 10,
            }
        ]
        if permissions.can_import_hotline(user):
            items.append(
                {
                    "key": "hotline_import",
                    "label": _("导入热线工单"),
                    "url": fixed_url("web:hotline_import"),
                    "order": 11,
                }
            )
        return items
    return [
        {"key": "case_report", "label": _("反映问题"), "url": fixed_url("web:case_report"), "order": 5},
        {"key": "my_reports", "label": _("我的上报"), "url": fixed_url("web:my_reports"), "order": 8},
    ]


def home_blocks(user) -> list[dict]:
    roles = access.roles_of(user)
    blocks = []
    if not is_staff(user) or "resident" in roles:
        blocks.append(_resident(user))
    if "inspector" in roles:
        blocks.append(_inspector(user))
    desk = [r for r in ROLE_QUEUES if r in roles]
    if desk:
        now = clock.now()
        allowed = set(queries.queue_names_for(user))
        names = [n for r in desk for n in ROLE_QUEUES[r][1] if n in allowed]
        counts = queries.queue_counts(user, now=now, names=list(dict.fromkeys(names)), cap=1000)
        blocks += [_desk(user, role, counts, allowed, now) for role in desk]
    if roles & set(SUMMARY_ROLES) or access.is_superuser(user):
        blocks.append(_summary(user))
    return blocks


def _resident(user) -> dict:
    reports = list(queries.my_reports(user)[:5])
    return {
        "key": "resident",
        "role": "resident",
        "title": _("反映身边的问题"),
        "template": "web/home/resident.html",
        "context": {"reports": reports},
        "order": 10,
    }


def _inspector(user) -> dict:
    tasks, counts = queries.inspector_tasks(user)
    now = clock.now()
    for case in tasks:
        case.light = case.sla(now)
    return {
        "key": "inspector",
        "role": "inspector",
        "title": _("我的网格：核实与核查"),
        "template": "web/home/inspector.html",
        "context": {"tasks": tasks, "counts": counts, "total": sum(counts.values())},
        "order": 15 if tasks else 15 + IDLE,
    }


def _desk(user, role, counts, allowed, now) -> dict:
    main, counted = ROLE_QUEUES[role]
    main = [n for n in main if n in allowed]
    rows = []
    for name in main:
        for case in queries.queue_for(user, name, now=now)[:QUEUE_ROWS]:
            case.light = case.sla(now)
            rows.append(case)
    tabs = [
        {
            "name": n,
            "label": queries.queue_label(n),
            "count": counts.get(n, 0),
            "url": f"{fixed_url('web:cases_workbench')}?queue={n}",
        }
        for n in counted
        if n in allowed
    ]
    context = {"tabs": tabs, "rows": rows[: QUEUE_ROWS * len(main)], "main": main}
    if role == "handler":
        context["summonses"] = list(queries.summonses_for(user, pending_only=True)[:5])
    busy = bool(rows or context.get("summonses"))
    return {
        "key": f"desk-{role}",
        "role": role,
        "title": ROLE_TITLES[role],
        "template": "web/home/desk.html",
        "context": context,
        "order": (12 if context.get("summonses") else 20) + (0 if busy else IDLE),
    }


def _summary(user) -> dict:
    return {
        "key": "month",
        "role": next((r for r in SUMMARY_ROLES if r in access.roles_of(user)), "district_admin"),
        "title": _("本月概况"),
        "template": "web/home/month.html",
        "context": {"m": queries.month_summary(user), "workbench": fixed_url("web:cases_workbench")},
        "order": 30,
    }
