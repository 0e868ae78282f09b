"""The demo's 腾退空间 and 便民 data: the default uses and service kinds, about 40 vacated spaces across every
state (two of them 反弹, found by a re-check that opened a case), about 150 service points of which two kinds
(菜站, 养老驿站) sit only in the west of the district so that the east shows gaps, the communities'
populations, and a few relocated merchants with open follow-ups.

Everything goes through `spaces.actions` with the clock pinned to each step's day, so histories and re-check
plans carry believable dates (and some re-checks are overdue today). Deterministic (a fixed seed);
idempotent (nothing is added when the first demo space exists).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from jingzhi.core import clock, workcalendar
from jingzhi.demo import city

SEED = 20180301
FIRST = "TT001"
GAP_KINDS = {"vegetables": 12, "elderly_station": 10}  # the westmost column their points may stand in
# (state path, count): each space walks its path from 腾退; the last two become 反弹 by a re-check.
PATHS = [
    ([], 8),
    (["awaiting"], 10),
    (["awaiting", "planning"], 7),
    (["awaiting", "planning", "building"], 5),
    (["awaiting", "planning", "building", "in_use"], 8),
    (["awaiting"], 2),  # → 反弹
]
ORIGINS = ["demolition", "demolition", "wall_opening", "market", "basement", "other"]
NAMES = {
    "demolition": "{place}违建拆除点",
    "wall_opening": "{place}开墙打洞封堵点",
    "market": "{place}农贸市场原址",
    "basement": "{place}地下空间",
    "other": "{place}闲置用房",
}
USES = ["convenience", "elderly", "green", "parking", "culture_sport", "community"]
MERCHANTS = [
    ("老王水果店", "果蔬零售", "河北固安", [("过渡期租金补贴", True), ("营业执照迁移协助", True)], False),
    ("兴隆百货", "日用百货", "天津西青", [("搬迁补助", True), ("承接地摊位优先", False)], True),
    ("刘记早点", "早餐", "河北永清", [("搬迁补助", False)], True),
    ("宏达五金", "五金建材", "河北保定", [("搬迁补助", True), ("货运车辆协调", True)], True),
]


def _cell_centre(col: float, row: float) -> tuple[float, float]:
    lon0, lat0 = city.cell_corner(0, 0)
    return lon0 + (col + 0.5) * city.CELL_DLON, lat0 - (row + 0.5) * city.CELL_DLAT


def _at(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=10))


def load_demo_spaces(*, actor=None, progress=None) -> int:
    """Load the demo's spaces, points and merchants; the number of spaces made (0 when already there)."""
    from jingzhi.geo.locate import locate
    from jingzhi.spaces import actions
    from jingzhi.spaces.models import Space

    # JINGZHI_DEMO_SPACES=0 leaves them out (the test suite does, so other apps' tests see no 反弹 cases).
    if not int(getattr(settings, "JINGZHI_DEMO_SPACES", 40)) or Space.objects.filter(number=FIRST).exists():
        return 0
    if progress:
        progress("腾退空间、便民网点与外迁商户…")
    rng = random.Random(SEED)
    today = workcalendar.today()
    actions.do_load_default_lists(actor=actor)
    _load_points(actor, rng)
    _load_populations(actor, rng)
    made = []
    n = 0
    for path, count in PATHS:
        for _i in range(count):
            n += 1
            origin = rng.choice(ORIGINS)
            col, row = rng.uniform(0, 29.5), rng.uniform(0, 19.5)
            if n % 4 == 0:  # some free space in the east, where the gaps are
                col = rng.uniform(22, 29.5)
            lon, lat = _cell_centre(col - 0.5, row - 0.5)
            where = locate(lon, lat)
            place = where.community["name"].removesuffix("社区") if where.inside else "示范区"
            vacated = today - timedelta(days=rng.randint(60, 700))
            with clock.frozen(_at(vacated + timedelta(days=3))):
                space = actions.do_register_space(
                    actor=actor,
                    number=f"TT{n:03d}",
                    name=NAMES[origin].format(place=place),
                    address=f"{place}{rng.randint(1, 60)}号",
                    area_m2=str(rng.choice([35, 60, 80, 120, 150, 240, 300, 420, 650])),
                    origin=origin,
                    vacated_on=vacated,
                    lon=lon,
                    lat=lat,
                    underground=origin == "basement",
                    owner=rng.choice(["区国资公司", "房管所", "街道办事处", "产权单位待核"]),
                    manager=f"{where.subdistrict['name'] if where.inside else ''}",
                )
            day = vacated + timedelta(days=3)
            use = rng.choice(USES)
            for state in path:
                day += timedelta(days=rng.randint(20, 80))
                day = min(day, today)
                with clock.frozen(_at(day)):
                    if state == "in_use" and space.underground:
                        actions.do_record_safety(
                            actor=actor, space_id=space.pk, record="消防验收合格；机械通风；两处疏散出口"
                        )
                    space = actions.do_change_space_state(
                        actor=actor,
                        space_id=space.pk,
                        to_state=state,
                        reason=_REASONS[state],
                        planned_use=use if state == "planning" else None,
                        actual_use=use if state == "in_use" else None,
                    )
            # Most were re-checked lately; the rest are left to fall due (some are overdue today).
            if rng.random() < 0.75:
                check = max(day, today - timedelta(days=rng.randint(0, 12)))
                with clock.frozen(_at(check)):
                    actions.do_record_recheck(
                        actor=actor, space_id=space.pk, checked_on=check, outcome="clear"
                    )
            made.append(space)
    for space in made[-2:]:
        with clock.frozen(_at(today)):
            actions.do_record_recheck(
                actor=actor,
                space_id=space.pk,
                checked_on=today,
                outcome="reoccupied",
                note="复查发现有人重新搭建棚屋并堆放杂物",
            )
    _load_merchants(actor, [s for s in made if s.origin == "market"] or made[:2], today)
    return len(made)


_REASONS = {
    "awaiting": "清理完毕，移交街道管理",
    "planning": "居民议事会讨论后确定规划用途",
    "building": "完成设计，施工单位进场",
    "in_use": "竣工验收，投入使用",
}


def _load_points(actor, rng: random.Random) -> None:
    from openpyxl import Workbook

    from jingzhi.spaces import actions
    from jingzhi.spaces.models import ServiceKind

    wb = Workbook()
    ws = wb.active
    ws.append(["业态", "名称", "地址", "经度", "纬度"])
    kinds = list(ServiceKind.objects.order_by("order"))
    even = [k for k in kinds if k.code not in GAP_KINDS]
    # A jittered lattice (6 × 4 blocks of 5 cells, one left out) covers the district; the gap kinds keep to
    # the west (3 × 2 blocks up to their column), so the east of the district has none within the walk.
    for kind in even:
        blocks = [(c, r) for c in range(6) for r in range(4)]
        blocks.pop(rng.randrange(len(blocks)))
        for i, (c, r) in enumerate(blocks):
            lon, lat = _cell_centre(c * 5 + rng.uniform(1, 4), r * 5 + rng.uniform(1, 4))
            ws.append([kind.name, f"{kind.name}{i + 1}号店", "", round(lon, 6), round(lat, 6)])
    for kind in kinds:
        if kind.code in GAP_KINDS:
            step = GAP_KINDS[kind.code] / 3
            for i, (c, r) in enumerate((c, r) for c in range(3) for r in range(2)):
                lon, lat = _cell_centre(c * step + rng.uniform(0, step), r * 10 + rng.uniform(2, 8))
                ws.append([kind.name, f"{kind.name}{i + 1}号", "", round(lon, 6), round(lat, 6)])
    import io

    buf = io.BytesIO()
    wb.save(buf)
    actions.do_import_service_points(actor=actor, file=buf.getvalue(), filename="演示便民网点.xlsx")


def _load_populations(actor, rng: random.Random) -> None:
    from jingzhi.geo.models import Community
    from jingzhi.spaces import actions

    for code in Community.objects.filter(
        generation__is_active=True, code__startswith=city.DISTRICT_CODE
    ).values_list("code", flat=True):
        actions.do_set_population(actor=actor, community_code=code, population=rng.randint(3000, 12000))


def _load_merchants(actor, spaces, today) -> None:
    from jingzhi.spaces import actions
    from jingzhi.spaces.models import SupportItem

    for n, (name, business, destination, support, open_) in enumerate(MERCHANTS):
        space = spaces[n % len(spaces)]
        start = max(space.vacated_on, today - timedelta(days=120))
        with clock.frozen(_at(start)):
            merchant = actions.do_add_merchant(
                actor=actor,
                space_id=space.pk,
                name=name,
                business=business,
                destination=destination,
                support=[(item, start + timedelta(days=30)) for item, _done in support],
            )
        for item, done in support:
            if done:
                row = SupportItem.objects.get(merchant=merchant, item=item)
                actions.do_deliver_support(
                    actor=actor, support_id=row.pk, delivered_on=start + timedelta(days=25)
                )
        actions.do_add_follow_up(
            actor=actor,
            merchant_id=merchant.pk,
            on=start + timedelta(days=40),
            note="电话回访：已在承接地开业",
        )
        if not open_:
            actions.do_close_merchant(actor=actor, merchant_id=merchant.pk, on=start + timedelta(days=60))
