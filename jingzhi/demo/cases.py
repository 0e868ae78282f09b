"""Three months of case history for the demo district, made through `jingzhi.cases.actions` only.

`jingzhi demo` calls `build_demo_cases()` after the places, people, taxonomy and responsibility list are in.
Each case follows a scripted *fate* (closed and rated, waiting in one of the open queues, returned and
re-dispatched, reworked, parked, extended, overdue red or yellow, reopened, merged as a duplicate, or a
burst water main with a whistle) and every step is taken by the demo login who holds that role where they
hold it (the inspector on their community, the handler for 城管执法, the resident on their own reports),
otherwise by the system (actor None), with the clock pinned (`core.clock.frozen`) to the moment the step
happened. So the timeline, the audit chain, the deadlines on the working calendar and the warning lights
are exactly what the real loop produces; nothing is written behind the actions' back.

Deterministic: the plan, the places, the texts and the time offsets come from fixed seeds; only the anchor
("now") moves with the day the demo is built, so open cases sit in the right warning level. Idempotent:
each case carries the idempotency key `demo-NNNN` (its index in the plan); a re-run skips every index that
exists and so creates nothing.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from jingzhi.demo import city as demo_city

MARKER = "demo-"
DEFAULT_COUNT = 300
SEED = 20180101  # 街乡吹哨、部门报到 began in Pinggu in 2018; any fixed number would do
D = demo_city.DISTRICT_CODE
SUB1 = f"{D}001"
COMMUNITY1 = f"{SUB1}001"

# Fates with their number in a plan of DEFAULT_COUNT cases; the rest of the plan is "closed". Scaled down
# for a smaller plan but never below one, so a small demo (the tests') still fills every queue.
SPECIAL_FATES = [
    ("reported", 8),
    ("verifying", 5),
    ("pending_filing", 6),
    ("pending_dispatch", 6),
    ("pending_response", 8),
    ("handling", 12),
    ("pending_check", 6),
    ("pending_callback", 6),
    ("parked", 3),
    ("extended", 3),
    ("extension_pending", 2),
    ("extension_refused", 1),
    ("overdue_red", 5),
    ("overdue_yellow", 4),
    ("response_overdue", 3),
    ("supervised", 2),
    ("returned", 6),
    ("escalated", 1),
    ("reworked", 6),
    ("rework_open", 2),
    ("reopened", 2),
    ("not_filed", 4),
    ("void", 2),
    ("whistle_closed", 1),
    ("whistle_open", 1),
    ("duplicate", 2),
    ("unstaffed", 1),
]
# Categories residents and inspectors report most; others are drawn now and then from the whole tree.
COMMON = [
    "暴露垃圾",
    "私搭乱建",
    "乱停车",
    "占道经营",
    "非法小广告",
    "堆物堆料",
    "道路破损",
    "上水井盖",
    "路灯",
    "行道树",
    "施工扰民",
    "无照经营",
    "乱占道",
    "违规广告牌匾",
    "外立面破损",
    "果皮箱",
    "公共厕所",
    "绿地养护",
    "道路积水",
    "开墙打洞",
    "乱搭架空线",
    "污水井盖",
    "护栏",
    "工地扬尘",
]
DETAILS = [
    "已经好几天了，请尽快处理。",
    "影响居民出行，老人孩子经过很危险。",
    "存在安全隐患，希望有关部门来看看。",
    "晚上尤其明显，周边居民意见很大。",
    "之前反映过一次，还没有解决。",
    "就在小区门口，天天路过。",
    "早高峰时段特别严重。",
    "下雨以后更严重了。",
]
PLACES = ["号院门口", "号楼东侧", "号路口", "号商铺前", "号院内", "号公交站旁"]
NAMES = [
    "张建国",
    "李桂芬",
    "王志强",
    "刘秀兰",
    "陈立伟",
    "杨淑华",
    "赵永刚",
    "黄玉梅",
    "周海涛",
    "吴丽娟",
    "徐德胜",
    "孙美玲",
    "马文斌",
    "朱红霞",
    "胡光明",
    "郭雅琴",
]
PATROLS = ["城管巡查一队", "城管巡查二队", "街道巡查组", "网格巡查员"]
RETURN_REASONS = [
    "该问题不属于本部门职责，请按职责清单重新派遣。",
    "现场核实为产权单位自管设施，非本部门管辖。",
]
PHOTO_COLOURS = [
    (120, 130, 140),
    (160, 120, 90),
    (90, 140, 100),
    (150, 150, 110),
    (110, 110, 160),
    (170, 90, 90),
]


@dataclass
class _Ctx:
    now: datetime
    users: dict
    departments: dict
    categories: list
    common: list
    conditions: dict
    grids: list
    streets: list
    photos: list
    inspectors: dict = field(default_factory=dict)  # community code → the inspector covering it
    handlers: dict = field(default_factory=dict)  # department pk → a handler of that department
    created: list = field(default_factory=list)


def plan(count: int) -> list[str]:
    """The fate of each index: the special fates (scaled, at least one each) spread through the plan, the
    rest closed. Duplicates come last so the case they follow already exists."""
    count = max(int(count), 0)
    fates: list[str] = []
    for fate, n in SPECIAL_FATES:
        if fate != "duplicate":
            fates += [fate] * max(1, round(n * count / DEFAULT_COUNT))
    fates += ["closed"] * max(count - len(fates) - 2, 0)
    random.Random(SEED).shuffle(fates)
    return (fates + ["duplicate"] * 2)[:count]


def _photo_bytes(colour, index: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    shade = tuple(max(0, c - 50) for c in colour)
    draw.rectangle([40 + index * 10, 60, 200 + index * 10, 180], fill=shade)
    draw.rectangle([0, 200, 320, 240], fill=(70, 70, 70))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def _upload(ctx: _Ctx, rng: random.Random, what: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = rng.choice(ctx.photos)
    return SimpleUploadedFile(f"{what}.jpg", data, content_type="image/jpeg")


def _context(now: datetime) -> _Ctx:
    from jingzhi.accounts.models import Department, User
    from jingzhi.taxonomy.models import Category, FilingCondition

    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "operator",
                "shift_lead",
                "dispatcher",
                "handler",
                "inspector",
                "resident",
                "subdistrict_admin",
                "subdistrict_admin2",
            ]
        )
    }
    departments = {d.code.split("-", 1)[-1]: d for d in Department.objects.filter(code__startswith=f"{D}-")}
    leaves = list(Category.objects.filter(is_active=True, children__isnull=True).order_by("kind", "code"))
    by_name = {}
    for category in leaves:
        by_name.setdefault(category.name, category)
    conditions = {}
    for condition in FilingCondition.objects.filter(category__in=leaves).order_by("id"):
        conditions.setdefault(condition.category_id, condition)
    built = demo_city.build_city()
    grids = [(g["properties"]["code"], g["geometry"]["coordinates"][0]) for g in built.grids]
    streets = [s["properties"]["name"] for s in built.streets]
    photos = [_photo_bytes(colour, i) for i, colour in enumerate(PHOTO_COLOURS)]
    from jingzhi.accounts.models import RoleAssignment

    inspectors, handlers = {}, {}
    for row in (
        RoleAssignment.objects.filter(role__in=["inspector", "handler"], is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("id")
    ):
        if row.role == "inspector" and row.scope_kind == "community":
            inspectors.setdefault(row.scope_code, row.user)
        elif row.role == "handler" and row.department_id:
            handlers.setdefault(row.department_id, row.user)
    return _Ctx(
        inspectors=inspectors,
        handlers=handlers,
        now=now,
        users=users,
        departments=departments,
        categories=leaves,
        common=[by_name[n] for n in COMMON if n in by_name],
        conditions=conditions,
        grids=grids,
        streets=streets,
        photos=photos,
    )


def _point(ctx: _Ctx, rng: random.Random, *, community: str = "") -> tuple[float, float, str]:
    """A point well inside a random grid (of `community` when given): lon, lat, grid code."""
    grids = [g for g in ctx.grids if g[0].startswith(community)] if community else ctx.grids
    code, ring = rng.choice(grids)
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    fx, fy = rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85)
    return (round(min(xs) + fx * (max(xs) - min(xs)), 7), round(min(ys) + fy * (max(ys) - min(ys)), 7), code)


class _Story:
    """One case walking through the loop, each step at its own pinned moment."""

    def __init__(self, ctx: _Ctx, rng: random.Random, case, start: datetime):
        self.ctx, self.rng, self.case, self.t = ctx, rng, case, start

    # Who takes a step: the demo person who holds the role on this case (the community's inspector, a
    # handler of the lead department), else the system.
    def _inspector(self):
        return self.ctx.inspectors.get(self.case.community_code)

    def _handler(self):
        return self.ctx.handlers.get(self.case.lead_department_id)

    def _reporter(self):
        resident = self.ctx.users.get("resident")
        return resident if resident and self.case.reporter_id == resident.pk else None

    def _sub_admin(self):
        name = "subdistrict_admin" if self.case.subdistrict_code == SUB1 else "subdistrict_admin2"
        return self.ctx.users.get(name) if self.case.subdistrict_code in (SUB1, f"{D}002") else None

    def wait(self, hours: float):
        self.t = min(self.t + timedelta(hours=hours), self.ctx.now - timedelta(minutes=1))
        return self

    def act(self, fn, actor, **kw):
        from jingzhi.core import clock

        with clock.frozen(self.t):
            result = fn(actor=actor, case_id=self.case.pk, **kw)
        self.case = result
        return self

    # The steps, in the order of the loop.
    def verify(self, *, request: bool = False):
        from jingzhi.cases import actions

        if self.case.state != "reported":
            return self
        if request:
            self.wait(self.rng.uniform(0.1, 0.5)).act(
                actions.do_request_verification, self.ctx.users.get("operator"), note="请监督员到现场核实"
            )
        photos = [_upload(self.ctx, self.rng, "verify")] if self.rng.random() < 0.2 else []
        return self.wait(self.rng.uniform(0.3, 1.5)).act(
            actions.do_verify_case, self._inspector(), note="现场核实，情况属实", photos=photos
        )

    def file(self):
        from jingzhi.cases import actions

        condition = self.ctx.conditions.get(self.case.category_id)
        return self.wait(self.rng.uniform(0.1, 0.8)).act(
            actions.do_file_case,
            self.ctx.users.get("shift_lead"),
            filing_condition=condition.pk if condition else None,
            note="符合立案条件",
        )

    def dispatch(self, departments=None, lead=None, note=""):
        from jingzhi.cases import actions

        return self.wait(self.rng.uniform(0.1, 0.6)).act(
            actions.do_dispatch_case,
            self.ctx.users.get("dispatcher"),
            departments=departments,
            lead=lead,
            note=note,
        )

    def accept(self):
        from jingzhi.cases import actions

        return self.wait(self.rng.uniform(0.2, 1.5)).act(
            actions.do_accept_case, self._handler(), note="已接单"
        )

    def give_back(self):
        from jingzhi.cases import actions

        return self.wait(self.rng.uniform(0.3, 1.5)).act(
            actions.do_return_case, self._handler(), reason=self.rng.choice(RETURN_REASONS)
        )

    def feedback(self, hours: float | None = None):
        from jingzhi.cases import actions

        photos = [_upload(self.ctx, self.rng, "after")] if self.rng.random() < 0.35 else []
        return self.wait(hours if hours is not None else self.rng.uniform(3, 40)).act(
            actions.do_feedback_case, self._handler(), note="已按要求处置完毕，现场已恢复。", photos=photos
        )

    def check(self, passed: bool = True):
        from jingzhi.cases import actions

        self.wait(self.rng.uniform(0.5, 3))
        if passed:
            return self.act(actions.do_check_pass_case, self._inspector(), note="现场核查，已处置到位")
        return self.act(
            actions.do_check_fail_case,
            self._inspector(),
            reason="现场核查未处置到位，请返工",
            photos=[_upload(self.ctx, self.rng, "check")],
        )

    def finish(self, rating: str | None = None):
        """The call-back (hotline: the operator rings back and records the rating) or the reporter's rating."""
        from jingzhi.cases import actions

        rating = rating or self.rng.choices(["satisfied", "basic", "dissatisfied"], [80, 15, 5])[0]
        self.wait(self.rng.uniform(2, 30))
        if self.case.source == "hotline" or (self.case.reporter_id is None and self.rng.random() < 0.5):
            return self.act(
                actions.do_callback_case,
                self.ctx.users.get("operator"),
                note="电话回访",
                rating=rating,
                comment="",
            )
        comment = {
            "satisfied": "处理很及时，谢谢！",
            "basic": "基本解决了，希望以后多巡查。",
            "dissatisfied": "问题没有根本解决。",
        }[rating]
        return self.act(actions.do_rate_case, self._reporter(), rating=rating, comment=comment)

    def to_handling(self):
        return self.verify(request=self.rng.random() < 0.3).file().dispatch().accept()

    def to_closed(self, rating: str | None = None):
        if self.case.state != "handling":
            self.to_handling()
        return self.feedback().check().finish(rating)


def _describe(ctx: _Ctx, rng: random.Random, category) -> tuple[str, str]:
    street = rng.choice(ctx.streets)
    address = f"{street}{rng.randint(1, 80)}{rng.choice(PLACES)}"
    return address, f"{address}{category.name}问题：{rng.choice(DETAILS)}"


def _open(
    ctx: _Ctx,
    rng: random.Random,
    index: int,
    fate: str,
    reported_at: datetime,
    *,
    category=None,
    source: str | None = None,
    community: str = "",
    description: str = "",
    urgency=None,
    duplicate_of=None,
    by_resident: bool = False,
):
    from jingzhi.cases import actions
    from jingzhi.core import clock

    if category is None:
        category = (
            rng.choice(ctx.common)
            if (rng.random() < 0.8 or not ctx.categories)
            else rng.choice(ctx.categories)
        )
    if source is None:
        source = rng.choices(["resident_web", "hotline", "inspector", "patrol"], [40, 30, 20, 10])[0]
    if source == "inspector":
        community = COMMUNITY1  # the demo inspector's beat: their own reports are filed directly
    lon, lat, _grid = _point(ctx, rng, community=community)
    address, text = _describe(ctx, rng, category)
    kw = {
        "idempotency_key": f"{MARKER}{index:04d}",
        "category": category,
        "address": address,
        "description": description or text,
    }
    actor = None
    if source == "resident_web":
        if by_resident or rng.random() < 0.25:
            actor = ctx.users.get("resident")
        else:
            kw["reporter_name"] = rng.choice(NAMES)
            kw["reporter_phone"] = f"139{rng.randint(0, 99_999_999):08d}"
        if rng.random() < 0.3:
            kw["photos"] = [_upload(ctx, rng, "before")]
    elif source == "hotline":
        kw["external_ref"] = f"12345{reported_at:%y%m%d}{index:05d}"
        kw["reporter_name"] = rng.choice(NAMES)
        kw["reporter_phone"] = f"138{rng.randint(0, 99_999_999):08d}"
        kw["request_type"] = rng.choice(["complaint", "complaint", "help", "report", "suggest"])
        kw["urgency"] = urgency or rng.choice(["ordinary", "ordinary", "ordinary", "utilities"])
    elif source == "inspector":
        actor = ctx.users.get("inspector")
        if rng.random() < 0.4:
            kw["photos"] = [_upload(ctx, rng, "before")]
    else:
        kw["reporter_name"] = rng.choice(PATROLS)
    if urgency and source != "hotline":
        kw["urgency"] = urgency
    with clock.frozen(reported_at):
        case = actions.do_open_case(
            actor=actor,
            source=source,
            lon=lon,
            lat=lat,
            reported_at=reported_at,
            duplicate_of=duplicate_of,
            **kw,
        )
    return _Story(ctx, rng, case, reported_at)


def _local(ctx: _Ctx, days_ago: float, hour: float) -> datetime:
    """A moment `days_ago` days before now at `hour` local time (never later than now)."""
    day = timezone.localtime(ctx.now).date() - timedelta(days=int(days_ago))
    moment = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=hour)
    return min(moment, ctx.now - timedelta(minutes=5))


def _hours_ago(ctx: _Ctx, hours: float) -> datetime:
    return ctx.now - timedelta(hours=hours)


def _start_for_fraction(ctx: _Ctx, category, condition, fraction: float, step: str = "handle") -> datetime:
    """When the clock of `step` (handling by default) must start so that `fraction` of its limit is used
    now (bisection on the working calendar; the fraction is monotonic in the start). A fraction above 1
    is a case that many times overdue."""
    from jingzhi.cases import deadlines, workflow

    limit = deadlines.limit_of(category, step, condition=condition if step == workflow.STEP_HANDLE else None)
    if limit is None:
        return _hours_ago(ctx, 6)
    measure = deadlines.measure(limit.unit)

    def used(start):
        total = measure(start, deadlines.deadline_for(start, limit))
        return measure(start, ctx.now) / total if total > 0 else 0.0

    early, late = ctx.now - timedelta(days=40), ctx.now - timedelta(minutes=30)
    for _ in range(24):  # 40 days / 2**24: a fifth of a second
        middle = early + (late - early) / 2
        if used(middle) > fraction:
            early = middle
        else:
            late = middle
    return early


def _dispatched_at(
    ctx: _Ctx, rng: random.Random, index: int, fate: str, fraction: float, *, step: str = "handle", **kw
) -> _Story:
    """A case dispatched (automatically, by the responsibility list) at the moment that leaves `fraction`
    of its `step` clock used now — the handling clock (accepted at once) or the response clock — after
    being reported, verified and filed in the hours before."""
    from jingzhi.cases import actions

    category = kw.pop("category", None) or rng.choice(ctx.common)
    start = _start_for_fraction(ctx, category, ctx.conditions.get(category.pk), fraction, step=step)
    story = _open(ctx, rng, index, fate, start - timedelta(hours=3), category=category, **kw)
    story.verify().file()
    story.t = max(story.t, start)
    story.act(actions.do_dispatch_case, ctx.users.get("dispatcher"), departments=None, lead=None, note="")
    return story.accept() if step == "handle" else story


def _build_one(ctx: _Ctx, index: int, fate: str) -> None:
    from jingzhi.cases import actions

    rng = random.Random(f"{SEED}-{index}-{fate}")
    # Queue fates start recently so their lights are mostly green; red and yellow have their own fates.
    recent = _hours_ago(ctx, rng.uniform(0.5, 2.5))
    if fate == "closed":
        story = _open(ctx, rng, index, fate, _local(ctx, rng.uniform(4, 92), rng.uniform(8, 18)))
        story.to_closed()
    elif fate == "reported":
        _open(
            ctx,
            rng,
            index,
            fate,
            _hours_ago(ctx, rng.uniform(0.1, 1.2)),
            source=rng.choice(["resident_web", "hotline", "patrol"]),
        )
    elif fate == "verifying":
        story = _open(ctx, rng, index, fate, recent, source=rng.choice(["resident_web", "hotline"]))
        story.wait(0.3).act(
            actions.do_request_verification, ctx.users.get("operator"), note="请监督员到现场核实"
        )
    elif fate == "pending_filing":
        story = _open(ctx, rng, index, fate, recent)
        story.verify()
    elif fate == "pending_dispatch":
        _open(ctx, rng, index, fate, recent).verify().file()
    elif fate in ("pending_response", "response_overdue"):
        # Waiting for the department to respond: most well within the limit, a few past it (×1.2–2.5).
        fraction = rng.uniform(0.1, 0.6) if fate == "pending_response" else rng.uniform(1.2, 2.5)
        _dispatched_at(ctx, rng, index, fate, fraction, step="respond")
    elif fate == "unstaffed":
        # Sent to the communications office, whose accounts are not set up: no one can respond, and the
        # operator's workbench says so (the demo's problem to find).
        category = _named(ctx, "电信井盖") or rng.choice(ctx.common)
        story = _open(ctx, rng, index, fate, _hours_ago(ctx, rng.uniform(3, 5)), category=category)
        story.verify().file().dispatch(
            departments=[ctx.departments["TX"].pk], note="电信井盖，派通信产权单位"
        )
    elif fate == "handling":
        _dispatched_at(ctx, rng, index, fate, rng.uniform(0.05, 0.7))
    elif fate == "pending_check":
        story = _open(ctx, rng, index, fate, _local(ctx, rng.uniform(1, 3), 9)).to_handling()
        story.t = max(story.t, _hours_ago(ctx, rng.uniform(0.3, 1.0)))
        story.feedback(0)
    elif fate == "pending_callback":
        story = _open(
            ctx, rng, index, fate, _local(ctx, rng.uniform(2, 4), 9), source="hotline"
        ).to_handling()
        story.feedback(rng.uniform(2, 6)).check()
    elif fate == "parked":
        story = _open(
            ctx, rng, index, fate, _local(ctx, rng.uniform(10, 40), 10), category=_named(ctx, "私搭乱建")
        )
        story.to_handling().wait(24)
        review = timezone.localtime(ctx.now).date() + timedelta(days=rng.randint(20, 60))
        story.act(
            actions.do_park_case,
            ctx.users.get("dispatcher"),
            reason="需纳入街巷整治项目统一实施，挂账办理",
            review_date=review,
        )
    elif fate in ("extended", "extension_pending", "extension_refused"):
        story = _dispatched_at(ctx, rng, index, fate, rng.uniform(0.3, 0.6))
        story.wait(0.2).act(
            actions.do_request_extension,
            story._handler(),
            days=3,
            reason="需协调产权单位到场，申请延期 3 个工作日",
        )
        if fate == "extended":
            story.wait(1).act(actions.do_approve_extension, ctx.users.get("dispatcher"), note="同意延期")
        elif fate == "extension_refused":
            story.wait(1).act(
                actions.do_refuse_extension, ctx.users.get("dispatcher"), reason="可当日处置，不予延期"
            )
    elif fate in ("overdue_red", "supervised"):
        # Past the handling limit, but by a working day or so (×1.3–3), not by weeks.
        category = _named(ctx, "暴露垃圾") or rng.choice(ctx.common)
        story = _dispatched_at(ctx, rng, index, fate, rng.uniform(1.3, 3.0), category=category)
        if fate == "supervised":
            story.t = max(story.t, _hours_ago(ctx, rng.uniform(0.5, 2)))
            story.act(
                actions.do_supervise_case,
                ctx.users.get("shift_lead"),
                note="已超过处置时限，请立即处置并反馈",
            )
    elif fate == "overdue_yellow":
        category = _named(ctx, "堆物堆料") or rng.choice(ctx.common)
        _dispatched_at(ctx, rng, index, fate, rng.uniform(0.86, 0.95), category=category)
    elif fate in ("returned", "escalated"):
        closes = fate == "returned" and rng.random() < 0.7
        start = _local(ctx, rng.uniform(5, 60), 10) if closes else _hours_ago(ctx, rng.uniform(4, 8))
        story = _open(
            ctx, rng, index, fate, start, category=_named(ctx, "上水井盖") or rng.choice(ctx.common)
        )
        story.verify().file().dispatch(departments=[ctx.departments["SZSR"].pk], note="先派市政市容")
        story.give_back()
        if fate == "escalated":
            story.dispatch(departments=[ctx.departments["FWGL"].pk], note="试派房屋管理").give_back()
        story.dispatch(departments=[ctx.departments["ZLS"].pk], note="上水井盖属供水设施，改派自来水公司")
        story.accept()
        if closes:
            story.to_closed()
    elif fate in ("reworked", "rework_open"):
        start = _local(ctx, rng.uniform(3, 70), 9) if fate == "reworked" else _hours_ago(ctx, 30)
        story = _open(ctx, rng, index, fate, start).to_handling()
        story.feedback(rng.uniform(3, 10))
        if fate == "rework_open":  # the check failed this morning: the redo's fresh clock has just started
            story.t = max(story.t, _hours_ago(ctx, rng.uniform(0.5, 1.5)))
        story.check(passed=False)
        if fate == "reworked":
            story.to_closed()
    elif fate == "reopened":
        story = _open(
            ctx,
            rng,
            index,
            fate,
            _local(ctx, rng.uniform(6, 20), 10),
            source="resident_web",
            by_resident=True,
        )
        story.to_closed("dissatisfied")
        story.t = max(story.t, _hours_ago(ctx, rng.uniform(2, 4)))  # reopened today
        story.act(
            actions.do_reopen_case, story._reporter(), reason="问题反复出现，没有根本解决，申请重新办理"
        )
        if rng.random() < 0.5:
            story.dispatch().accept()
    elif fate in ("not_filed", "void"):
        story = _open(ctx, rng, index, fate, _local(ctx, rng.uniform(2, 80), 11), source="resident_web")
        if fate == "not_filed":
            story.verify().wait(0.5).act(
                actions.do_not_file_case, ctx.users.get("operator"), reason="现场核实问题已不存在"
            )
        else:
            story.wait(0.5).act(actions.do_void_case, ctx.users.get("shift_lead"), reason="重复录入，作废")
    elif fate in ("whistle_closed", "whistle_open"):
        _whistle(ctx, rng, index, fate)
    elif fate == "duplicate":
        target = _duplicate_target()
        if target is None:
            return
        _open(
            ctx,
            rng,
            index,
            fate,
            _hours_ago(ctx, rng.uniform(0.1, 1.0)),
            category=target.category,
            source="resident_web",
            description="我也看到了这个问题，同一处。",
            duplicate_of=target.pk,
        )
    else:  # pragma: no cover - the plan only holds the fates above
        raise ValueError(fate)


def _named(ctx: _Ctx, name: str):
    return next((c for c in ctx.categories if c.name == name), None)


def _duplicate_target():
    """An open demo case in handling to follow (the earliest one made, so re-runs pick the same)."""
    from jingzhi.cases.models import Case

    return Case.objects.filter(idempotency_key__startswith=MARKER, state="handling").order_by("id").first()


def _whistle(ctx: _Ctx, rng: random.Random, index: int, fate: str) -> None:
    """A burst water main: 自来水 leads, 交管 and 城管执法 help; the subdistrict whistles all three in, one
    department reports late; after closure the subdistrict rates each response."""
    from jingzhi.cases import actions
    from jingzhi.core import clock

    category = _named(ctx, "管道破裂") or _named(ctx, "上水井盖") or rng.choice(ctx.common)
    zls, jg, cg = ctx.departments["ZLS"], ctx.departments["GAJG"], ctx.departments["CGZF"]
    start = _local(ctx, 41, 7.5) if fate == "whistle_closed" else _hours_ago(ctx, 5)
    story = _open(
        ctx,
        rng,
        index,
        fate,
        start,
        category=category,
        source="hotline",
        community=COMMUNITY1,
        urgency="emergency",
        description="路口自来水管爆裂，水漫到马路上，车辆无法通行，附近几栋楼停水。",
    )
    story.verify().file()
    story.dispatch(
        departments=[zls.pk, jg.pk, cg.pk], lead=zls.pk, note="爆管抢修：自来水牵头，交管、城管配合"
    )
    admin = story._sub_admin()
    story.wait(0.1)
    with clock.frozen(story.t):
        whistle = actions.do_blow_whistle(
            actor=admin,
            case_ids=[story.case.pk],
            department_ids=[zls.pk, jg.pk, cg.pk],
            limit_minutes=30,
            note="爆管影响通行和供水，请各部门 30 分钟内到场",
        )
    blown = story.t
    arrivals = [(zls, 18, "爆管点东侧抢修车旁"), (cg, 26, "路口警戒线内"), (jg, 47, "路口北侧疏导点")]
    for summons in whistle.summons_list:
        department, minutes, place = next(a for a in arrivals if a[0].pk == summons.department_id)
        with clock.frozen(blown + timedelta(minutes=minutes)):
            actions.do_report_in(actor=ctx.handlers.get(department.pk), summons_id=summons.pk, place=place)
    story.t = blown + timedelta(minutes=50)
    story.accept()
    if fate == "whistle_open":
        return
    story.feedback(5).check().finish("satisfied")
    scores = {
        zls.pk: (5, "到场迅速，抢修有力"),
        cg.pk: (5, "警戒及时"),
        jg.pk: (3, "到场超过时限，疏导开始较晚"),
    }
    story.wait(2)
    for summons in whistle.summons_list:
        rating, comment = scores[summons.department_id]
        with clock.frozen(story.t):
            actions.do_rate_whistle_response(
                actor=admin, summons_id=summons.pk, rating=rating, comment=comment
            )


def story_context(now: datetime | None = None) -> _Ctx:
    """What a demo story needs (people, departments, categories, places, photos), read once."""
    from jingzhi.core import clock

    return _context(now or clock.now())


def settle_finding(ctx: _Ctx, case, inspected_at: datetime, *, park: bool = False) -> None:
    """Walk a 十无 inspection finding (a case the check opened) on from the day of the check, as a
    well-run district does: the community's inspector confirms it within hours, it is filed and sent by the
    responsibility list, the department fixes it within days, the inspector checks it and the shift lead
    closes it. `park`: a street on a 一街一策 plan parks it instead (纳入整治项目), with a review date."""
    from jingzhi.cases import actions

    rng = random.Random(f"{SEED}-finding-{case.idempotency_key}")
    story = _Story(ctx, rng, case, inspected_at).wait(rng.uniform(1, 4))
    story.verify().file().dispatch().accept()
    if park:
        review = timezone.localtime(ctx.now).date() + timedelta(days=rng.randint(20, 45))
        story.wait(rng.uniform(2, 24)).act(
            actions.do_park_case,
            ctx.users.get("dispatcher"),
            reason="纳入一街一策统一整治，挂账办理",
            review_date=review,
        )
        return
    story.feedback(rng.uniform(4, 60)).check()
    story.wait(rng.uniform(0.5, 6)).act(
        actions.do_close_case, ctx.users.get("shift_lead"), note="检查发现的问题已整改到位，结案"
    )


def existing_keys() -> set[str]:
    from jingzhi.cases.models import Case

    return set(
        Case.objects.filter(idempotency_key__startswith=MARKER).values_list("idempotency_key", flat=True)
    )


def build_demo_cases(*, count: int = DEFAULT_COUNT, progress=None, now: datetime | None = None) -> int:
    """Make the demo's case history (`count` cases over about three months); returns how many were made.
    Indices whose case exists already are skipped, so a re-run makes nothing."""
    from jingzhi.core import clock

    fates = plan(count)
    done = existing_keys()
    todo = [(i, fate) for i, fate in enumerate(fates) if f"{MARKER}{i:04d}" not in done]
    if not todo:
        return 0
    ctx = _context(now or clock.now())
    if not ctx.common or not {"ZLS", "GAJG", "CGZF", "SZSR", "FWGL", "TX"} <= set(ctx.departments):
        raise RuntimeError("demo cases need the demo taxonomy and departments: run build_demo first")
    made = 0
    for number, (index, fate) in enumerate(todo, start=1):
        _build_one(ctx, index, fate)
        made += 1
        if progress and (number % 50 == 0 or number == len(todo)):
            progress(f"  案件 {number}/{len(todo)}")
    return made
