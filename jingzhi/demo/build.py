"""Loads the demo district (`demo.city`) into the database through the same actions real data goes through.

Places go in with `geo.actions.do_import_places` level by level into a fresh generation, then one
`do_activate_generation`; departments and people through `accounts.actions`. Re-running is safe: each part
first looks for what an earlier run made (the district code in the active generation, a department code, a
username, an assignment) and only adds what is missing, and the fixed demo password is never changed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from jingzhi.demo import city as demo_city

DEMO_PASSWORD = "jingzhi-demo"
LEVELS = ("district", "subdistrict", "community", "grid", "street")
D = demo_city.DISTRICT_CODE

# (code, name, short name, fallback) — the departments a Beijing district usually dispatches to.
DEPARTMENTS = [
    (f"{D}-CGZF", "区城管执法局", "城管执法", False),
    (f"{D}-SZSR", "区城市管理委员会（市政市容）", "市政市容", False),
    (f"{D}-JT", "区交通委员会", "交通", False),
    (f"{D}-YLLH", "区园林绿化局", "园林绿化", False),
    (f"{D}-FWGL", "区住房和城乡建设委员会（房屋管理）", "房屋管理", False),
    (f"{D}-GHZY", "规划和自然资源分局", "规划自然资源", False),
    (f"{D}-SCJG", "区市场监督管理局", "市场监管", False),
    (f"{D}-GAJG", "公安交通管理支队", "公安交管", False),
    (f"{D}-GD", "供电公司", "供电", False),
    (f"{D}-TX", "通信运营商联合办公室", "通信", False),
    (f"{D}-ZLS", "自来水公司", "自来水", False),
    (f"{D}-QZF", "示范区人民政府", "区政府", True),
]

SUB1, SUB2 = f"{D}001", f"{D}002"
COMMUNITY1 = f"{SUB1}001"
STREET1 = f"{SUB1}S001"

# (username, display name, role, scope kind, scope code, department code, is_staff) — one login per role of
# DOMAIN.md §2, plus a second subdistrict administrator so that scoping can be seen side by side.
USERS = [
    ("district_admin", "周明", "district_admin", "district", D, "", True),
    ("subdistrict_admin", "吴桂兰", "subdistrict_admin", "subdistrict", SUB1, "", False),
    ("subdistrict_admin2", "郑建华", "subdistrict_admin", "subdistrict", SUB2, "", False),
    ("assessor", "冯志远", "assessor", "district", D, "", False),
    ("operator", "李晓燕", "operator", "district", D, "", False),
    ("shift_lead", "陈国栋", "shift_lead", "district", D, "", False),
    ("dispatcher", "杨帆", "dispatcher", "district", D, "", False),
    ("handler", "刘强", "handler", "department", "", f"{D}-CGZF", False),
    ("department_head", "马卫东", "department_head", "department", "", f"{D}-CGZF", False),
    ("inspector", "赵磊", "inspector", "community", COMMUNITY1, "", False),
    ("street_chief", "孙立新", "street_chief", "street", STREET1, "", False),
    ("steward", "王秀英", "steward", "street", STREET1, "", False),
    ("council_member", "何淑珍", "council_member", "street", STREET1, "", False),
    ("resident", "王阿姨", "resident", "community", COMMUNITY1, "", False),
]


@dataclass
class DemoResult:
    places_created: bool = False
    departments_created: int = 0
    users_created: int = 0
    roles_created: int = 0
    taxonomy_created: int = 0
    duty_rules_created: int = 0
    cases_created: int = 0
    street_inspections_created: int = 0
    projects_created: int = 0
    logins: list[dict] = field(default_factory=list)

    @property
    def created_anything(self) -> bool:
        return bool(
            self.places_created
            or self.departments_created
            or self.users_created
            or self.roles_created
            or self.taxonomy_created
            or self.duty_rules_created
            or self.cases_created
            or self.street_inspections_created
        )


def demo_places_exist() -> bool:
    from jingzhi.geo.models import District

    return District.objects.filter(generation__is_active=True, code=D).exists()


def load_places(*, actor=None, progress=None) -> bool:
    """Import the demo district into a new generation (copying whatever is active) and activate it."""
    from jingzhi.geo import actions as geo_actions

    if demo_places_exist():
        return False
    built = demo_city.build_city()
    generation = geo_actions.do_create_generation(
        actor=actor, description="演示数据：示范区（虚构）", copy_active=True
    )
    for level in LEVELS:
        features = built.features(level)
        if progress:
            progress(f"  {level}: {len(features)}")
        geo_actions.do_import_places(actor=actor, level=level, features=features, generation=generation)
    geo_actions.do_activate_generation(actor=actor, generation=generation)
    return True


def load_departments(*, actor=None) -> int:
    from jingzhi.accounts.actions import do_create_department
    from jingzhi.accounts.models import Department

    created = 0
    existing = set(
        Department.objects.filter(code__in=[d[0] for d in DEPARTMENTS]).values_list("code", flat=True)
    )
    for code, name, short, fallback in DEPARTMENTS:
        if code in existing:
            continue
        do_create_department(
            actor=actor, code=code, name=name, short_name=short, district_code=D, is_fallback=fallback
        )
        created += 1
    return created


def load_users(*, actor=None) -> tuple[int, int, list[dict]]:
    from jingzhi.accounts.actions import do_assign_role, do_create_user
    from jingzhi.accounts.models import Department, Role, RoleAssignment, ScopeKind, User

    users_created = roles_created = 0
    logins = []
    for username, display, role, kind, scope, dept_code, staff in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = do_create_user(
                actor=actor, username=username, password=DEMO_PASSWORD, display_name=display, is_staff=staff
            )
            users_created += 1
        department = Department.objects.get(code=dept_code) if dept_code else None
        held = RoleAssignment.objects.filter(
            user=user, role=role, scope_kind=kind, scope_code=scope, department=department, is_active=True
        ).exists()
        if not held:
            do_assign_role(
                actor=actor, user=user, role=role, scope_kind=kind, scope_code=scope, department=department
            )
            roles_created += 1
        where = department.short_name if department else f"{ScopeKind(kind).label} {scope}"
        logins.append(
            {
                "username": username,
                "name": display,
                "role": str(Role(role).label),
                "scope": where,
                "password": DEMO_PASSWORD,
            }
        )
    return users_created, roles_created, logins


def load_taxonomy_and_duties(*, actor=None) -> tuple[int, int]:
    """The shipped default category tree and the demo district's responsibility list (both idempotent)."""
    from jingzhi.duties.demo import load_demo_rules
    from jingzhi.taxonomy.actions import do_load_default_taxonomy
    from jingzhi.taxonomy.models import Category

    before = Category.objects.count()
    do_load_default_taxonomy(actor=actor)
    with transaction.atomic():
        rules = load_demo_rules(D, actor=actor)
    return Category.objects.count() - before, rules.created


def write_flag() -> None:
    path = settings.VAR_DIR / "demo.flag"
    if not path.exists():
        # The web shell shows its demo banner while this file exists (it re-checks every 30 s).
        path.write_text("这里的数据是 jingzhi demo 生成的虚构演示数据。\n", encoding="utf-8")


def build_demo(
    *, actor=None, progress=None, case_count: int | None = None, street_months: int | None = None
) -> DemoResult:
    """Everything the demo needs, idempotently. Migrations must have run. `case_count` cases of history
    (default: setting JINGZHI_DEMO_CASES, else 300; 0 for none) are made through the case actions, then
    `street_months` months of 十无 inspections (JINGZHI_DEMO_STREET_MONTHS, else 6; 0 for none)."""
    result = DemoResult()
    if progress:
        progress("区划与网格…")
    result.places_created = load_places(actor=actor, progress=progress)
    with transaction.atomic():
        result.departments_created = load_departments(actor=actor)
        result.users_created, result.roles_created, result.logins = load_users(actor=actor)
        from jingzhi.demo.staff import load_staff

        staff_users, staff_roles = load_staff(actor=actor, password=DEMO_PASSWORD)
        result.users_created += staff_users
        result.roles_created += staff_roles
    if progress:
        progress("案件分类与职责清单…")
    result.taxonomy_created, result.duty_rules_created = load_taxonomy_and_duties(actor=actor)
    from jingzhi.demo import cases as demo_cases

    if case_count is None:
        case_count = int(getattr(settings, "JINGZHI_DEMO_CASES", demo_cases.DEFAULT_COUNT))
    if case_count > 0:
        if progress:
            progress("演示案件…")
        result.cases_created = demo_cases.build_demo_cases(count=case_count, progress=progress)
    if street_months is None:
        street_months = int(getattr(settings, "JINGZHI_DEMO_STREET_MONTHS", 6))
    if street_months > 0:
        from jingzhi.demo.streets import load_demo_rectification

        if progress:
            progress(
                f"十无一创建：{street_months} 个月的街巷检查、街巷长、任务书与整治方案（首次约需几分钟）…"
            )
        result.street_inspections_created = load_demo_rectification(
            actor=actor, months=street_months
        ).inspections
    from jingzhi.demo.projects import load_demo_projects

    result.projects_created = load_demo_projects(actor=actor)
    from jingzhi.demo.councils import (
        load_demo_councils,  # 多元共治: councils, rosters, meetings, party members
    )

    load_demo_councils(actor=actor)
    from jingzhi.demo.spaces import load_demo_spaces

    load_demo_spaces(actor=actor, progress=progress)
    from jingzhi.demo.assessment import fill_demo_snapshots  # 考核: six months of snapshots

    fill_demo_snapshots(actor=actor, progress=progress)
    write_flag()
    return result


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def logins_table(logins: list[dict]) -> str:
    """The logins as an aligned plain-text table (CJK characters count double)."""
    headers = {"username": "用户名", "name": "姓名", "role": "角色", "scope": "范围", "password": "密码"}
    cols = list(headers)
    widths = {c: max(_width(headers[c]), *(_width(row[c]) for row in logins)) for c in cols}
    line = "+-" + "-+-".join("-" * widths[c] for c in cols) + "-+"
    out = [line, "| " + " | ".join(_pad(headers[c], widths[c]) for c in cols) + " |", line]
    for row in logins:
        out.append("| " + " | ".join(_pad(row[c], widths[c]) for c in cols) + " |")
    out.append(line)
    return "\n".join(out)
