"""The demo's working staff beyond the one-login-per-role table of `build.py`: an inspector (监督员) for every
community, so that a report anywhere in the district can be verified and checked on site, and a handler
(处置人员) in every department a case is dispatched to — except the communications office (通信), whose
accounts "have not been set up yet": a case sent there is the demo's one case that no one can take, flagged
to the operator (`cases.queries.no_taker_q`). Made through `accounts.actions` like every other person;
idempotent (a username or an assignment that exists is left alone).
"""

from __future__ import annotations

from jingzhi.demo import city as demo_city

D = demo_city.DISTRICT_CODE
# One name per community after the first (青槐东里社区 has the `inspector` login of build.USERS).
INSPECTOR_NAMES = [
    "钱卫国",
    "孙海燕",
    "李振华",
    "周建平",
    "吴晓东",
    "郑丽华",
    "王建军",
    "冯玉兰",
    "陈志刚",
    "褚红梅",
    "卫东升",
    "蒋秀云",
]
# Department code suffix → handler name (城管执法 has the `handler` login of build.USERS; 通信 has none).
HANDLERS = {
    "SZSR": "沈国庆",
    "JT": "韩立军",
    "YLLH": "杨春梅",
    "FWGL": "朱德明",
    "GHZY": "秦晓光",
    "SCJG": "尤丽萍",
    "GAJG": "许振东",
    "GD": "何永强",
    "ZLS": "吕建新",
    "QZF": "施文华",
}
UNSTAFFED = "TX"


def inspector_username(community_code: str) -> str:
    """`inspector` for the first community, then inspector02 … inspector13 by the community's place in the
    district (stable: the communities' codes are fixed)."""
    codes = [c["properties"]["code"] for c in demo_city.build_city().communities]
    n = codes.index(community_code) + 1
    return "inspector" if n == 1 else f"inspector{n:02d}"


def handler_username(department_suffix: str) -> str:
    return "handler" if department_suffix == "CGZF" else f"handler_{department_suffix.lower()}"


def load_staff(*, actor=None, password: str) -> tuple[int, int]:
    """Create the inspectors and handlers that are missing; returns (users created, roles assigned)."""
    from jingzhi.accounts.actions import do_assign_role, do_create_user
    from jingzhi.accounts.models import Department, RoleAssignment, User

    users = roles = 0
    wanted = []  # (username, name, role, scope kind, scope code, department)
    communities = [c["properties"]["code"] for c in demo_city.build_city().communities]
    for code, name in zip(communities[1:], INSPECTOR_NAMES, strict=False):
        wanted.append((inspector_username(code), name, "inspector", "community", code, None))
    departments = {d.code: d for d in Department.objects.filter(code__startswith=f"{D}-")}
    for suffix, name in HANDLERS.items():
        department = departments.get(f"{D}-{suffix}")
        if department is not None:
            wanted.append((handler_username(suffix), name, "handler", "department", "", department))
    existing = {u.username: u for u in User.objects.filter(username__in=[w[0] for w in wanted])}
    for username, name, role, kind, scope, department in wanted:
        user = existing.get(username)
        if user is None:
            user = do_create_user(actor=actor, username=username, password=password, display_name=name)
            users += 1
        held = RoleAssignment.objects.filter(
            user=user, role=role, scope_kind=kind, scope_code=scope, department=department, is_active=True
        ).exists()
        if not held:
            do_assign_role(
                actor=actor, user=user, role=role, scope_kind=kind, scope_code=scope, department=department
            )
            roles += 1
    return users, roles
