"""A default responsibility list for the demo district (`jingzhi duties load-demo DISTRICT_CODE`).

Maps the public top classes of DOMAIN §3 (and a few well-known 小类 such as the utility manhole covers) to
the departments `jingzhi demo` creates, plus one subdistrict-level exception so the demo shows a rule that
wins because its place is more specific. It is tolerant on purpose: a category is found by kind and names
(大类, then 小类), a department by the demo code `<district>-<suffix>` or else by its name or short name;
whatever cannot be found is reported, never invented. 突发事件 and 其他 are deliberately left without a rule:
they fall to the district government (兜底), which the coverage report and the routing gaps then show.
Re-running creates nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from jingzhi.core.text import listing

# (kind, 大类, 小类 or "", scope suffix ("" = the whole district, "001" = that subdistrict),
#  [(department code suffix, name keyword, is_lead)], 依据)
DEMO_RULES = [
    ("component", "公用设施", "", "", [("SZSR", "市政市容", True)], "区职责清单：公用设施由市政市容部门统筹"),
    ("component", "公用设施", "上水井盖", "", [("ZLS", "自来水", True)], "供水设施产权单位负责"),
    ("component", "公用设施", "电力井盖", "", [("GD", "供电", True)], "电力设施产权单位负责"),
    ("component", "公用设施", "变压器", "", [("GD", "供电", True)], "电力设施产权单位负责"),
    ("component", "公用设施", "电信井盖", "", [("TX", "通信", True)], "通信设施产权单位负责"),
    ("component", "道路交通", "", "", [("JT", "交通", True)], "区职责清单：道路交通设施"),
    ("component", "市容环境", "", "", [("SZSR", "市政市容", True)], "区职责清单：环卫设施"),
    ("component", "园林绿化", "", "", [("YLLH", "园林绿化", True)], "区职责清单：绿地与行道树"),
    ("component", "房屋土地", "", "", [("FWGL", "房屋管理", True)], "区职责清单：房屋管理"),
    (
        "event",
        "市容环境",
        "",
        "",
        [("CGZF", "城管执法", True), ("SZSR", "市政市容", False)],
        "城市管理综合执法；环境卫生由市政市容部门配合",
    ),
    (
        "event",
        "市容环境",
        "私搭乱建",
        "",
        [("CGZF", "城管执法", True), ("GHZY", "规划", False)],
        "违法建设查处职责分工",
    ),
    ("event", "宣传广告", "", "", [("CGZF", "城管执法", True)], "户外广告与牌匾标识管理"),
    (
        "event",
        "施工管理",
        "",
        "",
        [("FWGL", "住房", True), ("CGZF", "城管执法", False)],
        "施工现场管理职责分工",
    ),
    ("event", "街面秩序", "", "", [("CGZF", "城管执法", True)], "街面秩序综合执法"),
    ("event", "街面秩序", "乱停车", "", [("GAJG", "交管", True), ("JT", "交通", False)], "道路停车秩序管理"),
    (
        "event",
        "街面秩序",
        "违规经营",
        "002",
        [("SCJG", "市场监管", True), ("CGZF", "城管执法", False)],
        "丰泽街道联合执法方案：无照经营以市场监管牵头",
    ),
]


@dataclass
class DemoRulesResult:
    created: int = 0
    existing: int = 0
    problems: list[str] = field(default_factory=list)


def _find_department(district_code: str, suffix: str, keyword: str):
    from jingzhi.accounts.models import Department

    found = Department.objects.filter(code=f"{district_code}-{suffix}", is_active=True).first()
    if found:
        return found
    candidates = Department.objects.filter(is_active=True, is_fallback=False)
    for queryset in (candidates.filter(district_code=district_code), candidates):
        match = (
            queryset.filter(short_name=keyword).first()
            or queryset.filter(name__contains=keyword).first()
            or queryset.filter(short_name__contains=keyword).first()
        )
        if match:
            return match
    return None


def _find_category(kind: str, major: str, minor: str):
    from jingzhi.taxonomy.models import Category

    top = Category.objects.filter(kind=kind, parent__isnull=True, name=major, is_active=True).first()
    if top is None or not minor:
        return top
    return Category.objects.filter(parent=top, name=minor, is_active=True).first()


def load_demo_rules(district_code: str, *, actor=None) -> DemoRulesResult:
    from jingzhi.duties.actions import do_create_duty_rule
    from jingzhi.duties.models import DutyRule

    result = DemoRulesResult()
    for kind, major, minor, scope_suffix, wanted, basis in DEMO_RULES:
        label = f"{'部件' if kind == 'component' else '事件'}/{major}{'/' + minor if minor else ''}"
        category = _find_category(kind, major, minor)
        if category is None:
            result.problems.append(_("未找到分类 %(c)s，跳过") % {"c": label})
            continue
        pairs, missing = [], []
        for suffix, keyword, is_lead in wanted:
            department = _find_department(district_code, suffix, keyword)
            if department is None:
                missing.append(f"{district_code}-{suffix}（{keyword}）")
            else:
                pairs.append((department, is_lead))
        if missing and not any(lead for _d, lead in pairs):
            result.problems.append(
                _("分类 %(c)s：未找到牵头部门 %(m)s，跳过") % {"c": label, "m": listing(missing)}
            )
            continue
        if missing:
            result.problems.append(
                _("分类 %(c)s：未找到配合部门 %(m)s，已略去") % {"c": label, "m": listing(missing)}
            )
        scope_kind, scope_code = (
            ("subdistrict", district_code + scope_suffix) if scope_suffix else ("district", district_code)
        )
        if DutyRule.objects.filter(
            category=category, scope_kind=scope_kind, scope_code=scope_code, is_active=True
        ).exists():
            result.existing += 1
            continue
        do_create_duty_rule(
            actor=actor,
            category=category,
            scope_kind=scope_kind,
            scope_code=scope_code,
            departments=pairs,
            basis=basis,
            note=_("演示数据（虚构）"),
        )
        result.created += 1
    return result
