"""The shipped default taxonomy: what `jingzhi taxonomy load-default` (and `jingzhi demo`) builds.

Sources: the public top classes of DOMAIN.md §3 and the rows of `data/categories-example.csv` (names from
published city standards, with the few codes and limits the public record shows). Where the record is
silent we fill in our own codes and limits and flag them `is_local_default`, so an administrator can find
every invented value and replace it with the city's standard. The ten 十无 items each get a category (event
categories are added where the CSV has none).

Loading is idempotent and never overwrites an administrator's edits: categories are matched by kind, parent
and name; conditions, keywords and limits are only filled where none exist yet. All writes go through the
`do_*` actions, so the load is audited like any other change.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from jingzhi.taxonomy.limits import TimeLimit, TimeUnit
from jingzhi.taxonomy.models import Category, ConditionLevel, Kind, ShiwuItem, Step

CSV_PATH = Path(__file__).resolve().parent / "data" / "categories-example.csv"

WH, WD, CH = TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS, TimeUnit.CALENDAR_HOURS

# Public top classes (DOMAIN §3), in the order of the national standard; 01 is published for both kinds.
MAJORS = {
    Kind.COMPONENT: ["公用设施", "道路交通", "市容环境", "园林绿化", "房屋土地", "其他"],
    Kind.EVENT: ["市容环境", "宣传广告", "施工管理", "街面秩序", "突发事件", "其他"],
}
_KIND_BY_LABEL = {"部件": Kind.COMPONENT, "事件": Kind.EVENT}

# 十无 items → (major, minor) of the event tree; minors missing from the CSV are created.
SHIWU_EVENTS: dict[str, tuple[str, str]] = {
    ShiwuItem.ILLEGAL_CONSTRUCTION: ("市容环境", "私搭乱建"),
    ShiwuItem.WALL_OPENINGS: ("市容环境", "开墙打洞"),
    ShiwuItem.ILLEGAL_PARKING: ("街面秩序", "乱停车"),
    ShiwuItem.ROAD_OCCUPATION: ("街面秩序", "乱占道"),
    ShiwuItem.OVERHEAD_WIRES: ("市容环境", "乱搭架空线"),
    ShiwuItem.FACADE_DAMAGE: ("市容环境", "外立面破损"),
    ShiwuItem.ILLEGAL_SIGNBOARDS: ("宣传广告", "违规广告牌匾"),
    ShiwuItem.ROAD_DAMAGE: ("市容环境", "道路破损"),
    ShiwuItem.ILLEGAL_BUSINESS: ("街面秩序", "违规经营"),
    ShiwuItem.PILED_MATERIALS: ("市容环境", "堆物堆料"),
}

# A few words residents actually write, per category name (kind-agnostic where the name is unique).
KEYWORDS: dict[str, str] = {
    "上水井盖": "井盖、窨井、下水道盖、上水井、自来水井",
    "污水井盖": "污水井、井盖、下水道盖",
    "雨水井盖": "雨水井、井盖",
    "电力井盖": "电力井、井盖",
    "燃气井盖": "燃气井、煤气井、井盖",
    "热力井盖": "热力井、暖气井、井盖",
    "电信井盖": "电信井、通信井、井盖",
    "雨水篦子": "雨水篦子、篦子、雨箅子、箅子",
    "路灯": "路灯、灯不亮、灯杆",
    "电线杆": "电线杆、电杆、线杆",
    "变压器": "变压器、变电箱",
    "电闸箱": "电闸箱、配电箱、电箱",
    "报刊亭": "报刊亭、报亭",
    "邮筒": "邮筒、信筒",
    "健身设施": "健身器材、健身设施",
    "消防设施": "消防栓、消火栓、灭火器、消防设施",
    "过街天桥": "天桥、过街天桥",
    "地下通道": "地下通道、地道",
    "路名牌": "路名牌、路牌",
    "护栏": "护栏、隔离栏、栏杆",
    "交通标志牌": "交通标志、标志牌、指示牌",
    "公交站亭": "公交站、站亭、候车亭",
    "停车场": "停车场",
    "存车支架": "存车架、自行车架",
    "垃圾楼": "垃圾楼、垃圾站",
    "公共厕所": "公厕、厕所、卫生间",
    "广告牌匾": "广告牌、牌匾、招牌",
    "果皮箱": "果皮箱、垃圾桶、垃圾箱",
    "古树名木": "古树、名木",
    "绿地": "绿地、草坪",
    "行道树": "行道树、树木、倒树、树枝",
    "城市雕塑": "雕塑",
    "街头座椅": "座椅、长椅、椅子",
    "房屋土地": "房屋、土地",
    "人防工事": "人防、防空洞",
    "公房地下室": "地下室",
    "私搭乱建": "私搭乱建、违建、违章建筑、乱搭、加盖",
    "暴露垃圾": "暴露垃圾、垃圾、垃圾堆",
    "建筑垃圾、渣土": "建筑垃圾、渣土",
    "道路保洁": "道路保洁、路面脏、清扫",
    "绿地保洁": "绿地保洁、绿地垃圾",
    "绿地养护": "绿地养护、草坪枯、修剪",
    "焚烧垃圾、树叶": "焚烧、烧垃圾、烧树叶、冒烟",
    "水域不洁": "水面、河道、漂浮物",
    "开墙打洞": "开墙打洞、破墙、打洞",
    "乱搭架空线": "架空线、飞线、乱拉电线",
    "外立面破损": "外立面、墙皮、外墙脱落",
    "道路破损": "道路破损、坑洼、路面破",
    "堆物堆料": "堆物、堆料、杂物、乱堆",
    "非法小广告": "小广告、牛皮癣、张贴",
    "街头散发广告": "散发广告、发传单、传单",
    "违规户外广告": "户外广告",
    "违规广告牌匾": "违规牌匾、招牌、门头",
    "施工扰民": "施工扰民、噪音、夜间施工",
    "施工占道": "施工占道、围挡",
    "工地扬尘": "扬尘、尘土、工地",
    "施工废弃料": "废弃料、施工垃圾",
    "无照经营": "无照经营、无证经营、摆摊",
    "占道经营": "占道经营、出摊、摊贩",
    "早夜市管理": "早市、夜市",
    "流浪乞讨": "乞讨、流浪",
    "黑车拉客": "黑车、拉客",
    "乱停车": "乱停车、违停、乱停",
    "乱占道": "占道、占用道路、堵路",
    "违规经营": "违规经营、超范围经营",
    "管道破裂": "管道破裂、爆管、跑水、漏水",
    "路面塌陷": "塌陷、塌方、路面下沉",
    "道路积水": "积水、水淹",
    "火灾": "火灾、着火、起火",
}

# 私搭乱建 in the published standard: one limit per filing condition.
PUBLISHED_CONDITIONS: dict[tuple[str, str], list[tuple[str, str, TimeLimit]]] = {
    (Kind.EVENT, "私搭乱建"): [
        ("正在施工的私搭乱建（责令停止施工）", ConditionLevel.A, TimeLimit(4, WH)),
        ("已建成的私搭乱建（立案处罚）", ConditionLevel.B, TimeLimit(7, WD)),
        ("须拆除的私搭乱建（拆除）", ConditionLevel.C, TimeLimit(20, WD)),
    ],
}

# Our own limits, flagged is_local_default wherever they are used.
LOCAL_STEP_LIMITS = {
    Step.ACCEPT: TimeLimit(1, WH),
    Step.VERIFY: TimeLimit(2, WH),
    Step.FILE: TimeLimit(1, WH),
    Step.DISPATCH: TimeLimit(1, WH),
    Step.RESPOND: TimeLimit(2, WH),
    Step.HANDLE: TimeLimit(3, WD),
    Step.CHECK: TimeLimit(2, WH),
}
# Emergencies run on the clock, not on office hours.
EMERGENCY_STEP_LIMITS = {
    Step.VERIFY: TimeLimit(1, CH),
    Step.RESPOND: TimeLimit("0.5", CH),
    Step.HANDLE: TimeLimit(4, CH),
}
LOCAL_EVENT_LIMIT = TimeLimit(2, WD)
LOCAL_EMERGENCY_LIMIT = TimeLimit(4, CH)
LOCAL_COMPONENT_CONDITIONS = [
    ("缺失或移位", ConditionLevel.A, TimeLimit(4, WH)),
    ("破损或功能障碍", ConditionLevel.B, TimeLimit(3, WD)),
]
DEFAULT_CLOSING = "问题已按立案条件处置完毕，经现场核查通过"

REQUEST_TYPES = [
    ("consult", "咨询"),
    ("help", "求助"),
    ("complaint", "投诉"),
    ("report", "举报"),
    ("suggest", "建议"),
]
# Draft DB11/T figures. Days are read as calendar days (the draft says 日, not 工作日), hence hours.
URGENCIES = [
    ("emergency", "紧急", TimeLimit(2, CH)),
    ("utilities", "涉及水电气热", TimeLimit(24, CH)),
    ("ordinary", "一般", TimeLimit(7 * 24, CH)),
    ("complex", "疑难复杂", TimeLimit(15 * 24, CH)),
]


@dataclass
class MinorSpec:
    name: str
    code: str = ""  # the published two-digit code, or "" when we allocate one
    published_limit: TimeLimit | None = None
    shiwu_item: str = ""


@dataclass
class MajorSpec:
    kind: str
    name: str
    code: str
    published: bool
    minors: list[MinorSpec] = field(default_factory=list)


def default_tree(csv_path: Path = CSV_PATH) -> list[MajorSpec]:
    """The default tree as plain data (no database): majors in order, each with its minors."""
    majors: dict[tuple[str, str], MajorSpec] = {}
    for kind, names in MAJORS.items():
        for number, name in enumerate(names, start=1):
            majors[(kind, name)] = MajorSpec(kind=kind, name=name, code=f"{number:02d}", published=False)
    with open(csv_path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kind = _KIND_BY_LABEL[row["kind"].strip()]
            major = majors[(kind, row["major_name"].strip())]
            if row["major_code"].strip():
                major.code, major.published = row["major_code"].strip(), True
            name = row["minor_name"].strip()
            if not name:
                continue
            limit = None
            if row["time_limit"].strip():
                unit = {"工作时": WH, "工作日": WD, "自然时": CH}[row["time_unit"].strip()]
                limit = TimeLimit(row["time_limit"].strip(), unit)
            major.minors.append(MinorSpec(name=name, code=row["minor_code"].strip(), published_limit=limit))
    for item, (major_name, minor_name) in SHIWU_EVENTS.items():
        major = majors[(Kind.EVENT, major_name)]
        minor = next((m for m in major.minors if m.name == minor_name), None)
        if minor is None:
            minor = MinorSpec(name=minor_name)
            major.minors.append(minor)
        minor.shiwu_item = item
    return list(majors.values())


def _conditions_for(kind: str, major_name: str, minor: MinorSpec | None, name: str):
    """(text, level, limit, is_local_default) rows for a leaf category."""
    published = PUBLISHED_CONDITIONS.get((kind, name))
    if published:
        return [(text, level, limit, False) for text, level, limit in published]
    if minor is not None and minor.published_limit is not None:
        return [(f"{name}，经核实属实", ConditionLevel.A, minor.published_limit, False)]
    if kind == Kind.COMPONENT:
        return [(f"{name}{text}", level, limit, True) for text, level, limit in LOCAL_COMPONENT_CONDITIONS]
    limit = LOCAL_EMERGENCY_LIMIT if major_name == "突发事件" else LOCAL_EVENT_LIMIT
    return [(f"{name}，经核实属实", ConditionLevel.A, limit, True)]


def load_default(*, actor=None) -> dict:
    """Write the default taxonomy through the actions; returns counts of rows created."""
    from jingzhi.taxonomy import actions
    from jingzhi.taxonomy.models import RequestType, StepLimit, Urgency

    counts = {
        "categories": 0,
        "filing_conditions": 0,
        "closing_conditions": 0,
        "step_limits": 0,
        "shiwu_items": 0,
        "request_types": 0,
        "urgencies": 0,
    }

    def ensure(key, kind, parent, name, code, is_local_default, keywords) -> Category:
        found = Category.objects.filter(default_key=key).first()
        if found is None:
            found = Category.objects.filter(kind=kind, parent=parent, name=name).first()
        if found is not None:
            if keywords and not found.keywords:
                found = actions.do_update_category(actor=actor, category=found, keywords=keywords)
            return found
        prefix = parent.code if parent else ""
        taken = set(
            Category.objects.filter(kind=kind, code__startswith=prefix).values_list("code", flat=True)
        )
        wanted = prefix + code if code else ""
        if not wanted or wanted in taken:
            from jingzhi.taxonomy.rules import next_child_code

            wanted, is_local_default = next_child_code(prefix, taken), True
        counts["categories"] += 1
        return actions.do_create_category(
            actor=actor,
            kind=kind,
            code=wanted,
            name=name,
            parent=parent,
            keywords=keywords,
            is_local_default=is_local_default,
            default_key=key,
        )

    def fill_leaf(category: Category, kind: str, major_name: str, minor: MinorSpec | None) -> None:
        if not category.filing_conditions.exists():
            for text, level, limit, local in _conditions_for(kind, major_name, minor, category.name):
                actions.do_save_filing_condition(
                    actor=actor,
                    category=category,
                    text=text,
                    level=level,
                    limit=limit,
                    is_local_default=local,
                )
                counts["filing_conditions"] += 1
        if not category.closing_conditions.exists():
            actions.do_set_closing_conditions(actor=actor, category=category, texts=[DEFAULT_CLOSING])
            counts["closing_conditions"] += 1

    for major_spec in default_tree():
        # Published minor codes first, so an allocated code never takes a published one.
        major = ensure(
            f"{major_spec.kind}/{major_spec.name}",
            major_spec.kind,
            None,
            major_spec.name,
            major_spec.code,
            not major_spec.published,
            KEYWORDS.get(major_spec.name, ""),
        )
        ordered = [m for m in major_spec.minors if m.code] + [m for m in major_spec.minors if not m.code]
        for minor_spec in ordered:
            minor = ensure(
                f"{major_spec.kind}/{major_spec.name}/{minor_spec.name}",
                major_spec.kind,
                major,
                minor_spec.name,
                minor_spec.code,
                not minor_spec.code,
                KEYWORDS.get(minor_spec.name, ""),
            )
            if (
                minor_spec.shiwu_item
                and not minor.shiwu_item
                and not Category.objects.filter(shiwu_item=minor_spec.shiwu_item).exists()
            ):
                actions.do_update_category(actor=actor, category=minor, shiwu_item=minor_spec.shiwu_item)
                counts["shiwu_items"] += 1
            if not minor.children.exists():
                fill_leaf(minor, major_spec.kind, major_spec.name, minor_spec)
        if not major.children.exists():
            fill_leaf(major, major_spec.kind, major_spec.name, None)
        if major_spec.kind == Kind.EVENT and major_spec.name == "突发事件":
            for step, limit in EMERGENCY_STEP_LIMITS.items():
                if not StepLimit.objects.filter(category=major, step=step).exists():
                    actions.do_set_step_limit(
                        actor=actor, category=major, step=step, limit=limit, is_local_default=True
                    )
                    counts["step_limits"] += 1

    for step, limit in LOCAL_STEP_LIMITS.items():
        if not StepLimit.objects.filter(category__isnull=True, step=step).exists():
            actions.do_set_step_limit(
                actor=actor, category=None, step=step, limit=limit, is_local_default=True
            )
            counts["step_limits"] += 1
    for number, (code, name) in enumerate(REQUEST_TYPES, start=1):
        if not RequestType.objects.filter(code=code).exists():
            actions.do_save_row(actor=actor, obj=RequestType(code=code, name=name, sort_order=number))
            counts["request_types"] += 1
    for number, (code, name, limit) in enumerate(URGENCIES, start=1):
        if not Urgency.objects.filter(code=code).exists():
            actions.do_save_row(
                actor=actor,
                obj=Urgency(
                    code=code, name=name, sort_order=number, limit_amount=limit.amount, limit_unit=limit.unit
                ),
            )
            counts["urgencies"] += 1
    return counts
