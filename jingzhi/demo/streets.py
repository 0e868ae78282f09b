"""The demo's 十无一创建 data: the default standard, a chief for every demo street (with a task letter, most of
them signed), a ledger, a board, a 一街一策 plan for the weaker streets, stewards, and `months` months of
monthly city checks whose deductions opened cases — so streets carry grades, some downgraded and some
restored, with accountability proposals where a street failed two months running.

Everything goes through `rectification.actions` (and so through `cases.actions.do_open_case`), with the
clock pinned to each inspection's day so cases and grade changes carry believable dates. Deterministic: a
fixed seed per street code and a fixed score profile per street. Idempotent: each part looks for what an
earlier run made (an official inspection of that street and month, an active chief, a plan, a ledger) and
only adds what is missing. The current month is left uninspected so that a check made in the browser
counts for it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from jingzhi.core import clock
from jingzhi.rectification.rules import DEFAULT_ITEMS, month_from_index, month_index, month_of

D = "110199"
SEED = 20170401
DEMO_PASSWORD = "jingzhi-demo"
# Demo chiefs beyond the one-per-role logins of build.py: (username, name, subdistrict suffix, rank, title).
CHIEFS = [
    ("chief_qh1", "高建国", "001", "street", "街道办事处副主任"),
    ("chief_qh2", "林文静", "001", "lane", "街道城管科科长"),
    ("chief_fz1", "马卫东", "002", "street", "街道办事处副主任"),
    ("chief_fz2", "许晓梅", "002", "lane", "社区党委书记"),
    ("chief_sb1", "唐志强", "003", "street", "街道办事处副主任"),
    ("chief_sb2", "韩雪", "003", "lane", "街道环境办主任"),
]
STEWARDS = [("steward_qh", "刘大爷", "001"), ("steward_fz", "张阿姨", "002"), ("steward_sb", "赵师傅", "003")]
PROPERTY = ["京城物业", "四季保洁", "和顺物业", "胡同管家服务中心"]
LEDGER = [
    ("cars", "居民车辆", 12, 60),
    ("parking", "停车位", 6, 40),
    ("bins", "分类垃圾桶", 4, 16),
    ("shops", "沿街商户", 0, 18),
    ("wall_openings", "封堵开墙打洞", 0, 5),
    ("trees", "行道树", 5, 30),
]


@dataclass
class DemoRectificationResult:
    inspections: int = 0
    cases: int = 0
    chiefs: int = 0
    letters: int = 0
    plans: int = 0

    @property
    def created_anything(self) -> bool:
        return bool(self.inspections or self.chiefs or self.letters or self.plans)


def _profile(code: str, position: int) -> str:
    """Which story a street tells: most pass; a few fail and recover; a few fail lately."""
    if code.endswith("S001"):
        return "good"  # the journey's street: 达标, so a new check can downgrade it
    return {3: "restored", 5: "failing", 8: "dip"}.get(position % 9, "good")


def _scores(profile: str, months: int, rng: random.Random) -> list[int]:
    """Target deduction per month, oldest first."""
    # A well-run district: most months a street passes clean; now and then a point or two is deducted.
    good = [rng.choice([0, 0, 0, 0, 0, 0, 0, 2, 4, 6]) for _ in range(months)]
    if profile == "restored":  # fails early on, then three good months restore it
        good[0:2] = [rng.choice([12, 14, 15]), rng.choice([11, 16])]
    elif profile == "failing":  # fails the last two months: downgraded, a talk is proposed
        good[-2:] = [rng.choice([12, 13, 15]), rng.choice([14, 18])]
    elif profile == "dip":  # one bad month, then exactly three good ones: restored in the last month
        good[-4] = rng.choice([12, 15])
    return good


def _results(deduction: int, rng: random.Random) -> list[dict]:
    """Spread a target deduction over a few items using each item's rule."""
    out, left = [], deduction
    codes = [c for c, *_r in DEFAULT_ITEMS]
    rules = {c: (points, per) for c, _n, points, per, _t in DEFAULT_ITEMS}
    for code in rng.sample(codes, len(codes)):
        if left <= 0:
            break
        points, per = rules[code]
        take = min(left, points)
        count = max(1, round(take / per))
        out.append(
            {
                "item": code,
                "passed": False,
                "count": count,
                "deduction": take,
                "note": rng.choice(["", "现场拍照留存", "已告知商户", "夜间复查"]),
            }
        )
        left -= take
    return out


def _user(username, display, *, actor):
    from jingzhi.accounts.actions import do_create_user
    from jingzhi.accounts.models import User

    user = User.objects.filter(username=username).first()
    return user or do_create_user(
        actor=actor, username=username, password=DEMO_PASSWORD, display_name=display
    )


def load_demo_rectification(*, actor=None, months: int = 6, street_codes=None) -> DemoRectificationResult:
    """Load the demo streets' 十无一创建 data (needs the demo places, departments, users and taxonomy).
    `street_codes` limits it to some streets (the browser tests load one street to stay fast)."""
    from jingzhi.accounts.models import User
    from jingzhi.cases.models import Case
    from jingzhi.geo.models import Street
    from jingzhi.rectification import actions

    result = DemoRectificationResult()
    actions.do_load_default_standard(actor=actor)
    streets = list(
        Street.objects.filter(generation__is_active=True, code__startswith=D)
        .order_by("code")
        .only("code", "name", "subdistrict_id", "geometry")
    )
    if street_codes is not None:
        streets = [s for s in streets if s.code in set(street_codes)]
    if not streets:
        return result
    cases_before = Case.objects.count()
    from jingzhi.demo.cases import story_context

    stories = story_context()
    now = timezone.localtime(clock.now())
    this_month = month_index(month_of(now.date()))
    first_day = date(now.year, now.month, 1)
    assessor = User.objects.filter(username="assessor").first()
    admin = User.objects.filter(username="district_admin").first()

    # People first: chiefs and stewards (accounts users), appointed through the actions.
    chiefs = {suffix: [] for _u, _n, suffix, *_r in CHIEFS}
    for username, name, suffix, rank, title in CHIEFS:
        chiefs[suffix].append((_user(username, name, actor=actor), rank, title))
    stewards = {suffix: _user(username, name, actor=actor) for username, name, suffix in STEWARDS}
    demo_chief = User.objects.filter(username="street_chief").first()
    demo_steward = User.objects.filter(username="steward").first()
    start = first_day - timedelta(days=31 * months + 20)

    for position, street in enumerate(streets):
        # One transaction per street: a few thousand small commits cost minutes on a slow disk (fsync each).
        with transaction.atomic():
            _load_street(
                street,
                position,
                result=result,
                months=months,
                this_month=this_month,
                start=start,
                first_day=first_day,
                now=now,
                assessor=assessor,
                chiefs=chiefs,
                stewards=stewards,
                demo_chief=demo_chief,
                demo_steward=demo_steward,
                stories=stories,
            )

    # A district head decides the oldest pending proposal, so the history shows a decision.
    from jingzhi.rectification.models import AccountabilityProposal

    pending = AccountabilityProposal.objects.filter(status="pending").order_by("created_at", "id").first()
    if pending is not None and not AccountabilityProposal.objects.exclude(status="pending").exists():
        actions.do_decide_proposal(
            actor=admin, proposal_id=pending.pk, accept=True, reason="连续两个月不达标，约谈街巷长，限期整改"
        )
    result.cases = Case.objects.count() - cases_before
    return result


def _load_street(
    street,
    position,
    *,
    result,
    months,
    this_month,
    start,
    first_day,
    now,
    assessor,
    chiefs,
    stewards,
    demo_chief,
    demo_steward,
    stories,
) -> None:
    from jingzhi.cases.models import Case
    from jingzhi.rectification import actions
    from jingzhi.rectification.models import (
        ChiefAssignment,
        GradeChange,
        Inspection,
        LedgerEntry,
        StewardAssignment,
        StreetPlan,
        StreetRecord,
        TaskLetter,
    )

    rng = random.Random(f"{SEED}:{street.code}")
    suffix = street.code[6:9]
    # The chief is appointed, and the letter issued, on the day the letter starts; the chief signs it two
    # days later (a letter may not be signed before it starts or before its chief took office).
    with clock.frozen(timezone.make_aware(datetime(start.year, start.month, start.day, 9))):
        if not ChiefAssignment.objects.filter(street_code=street.code).exists():
            if street.code.endswith("S001") and suffix == "001" and demo_chief is not None:
                user, rank, title = demo_chief, "street", "街道办事处副主任"
            else:
                user, rank, title = (
                    chiefs[suffix][position % 2] if chiefs.get(suffix) else (demo_chief, "lane", "")
                )
            actions.do_appoint_chief(
                actor=None, street_code=street.code, user=user, rank=rank, title=title, started_on=start
            )
            result.chiefs += 1
        if not StewardAssignment.objects.filter(street_code=street.code).exists():
            steward = demo_steward if street.code == f"{D}001S001" and demo_steward else stewards.get(suffix)
            if steward is not None:
                actions.do_assign_steward(actor=None, street_code=street.code, user=steward, started_on=start)
        if not TaskLetter.objects.filter(street_code=street.code).exists():
            letter = actions.do_issue_task_letter(
                actor=None,
                street_code=street.code,
                title=f"{street.name}整治提升任务书",
                targets=[
                    "“十无”各项全部达标，月度检查不低于 90 分",
                    "建立街巷台账并每月更新",
                    "年底前达到" + ("精品" if position % 7 == 0 else "优美") + "街巷标准",
                ],
                starts_on=start,
                due_on=date(first_day.year, 12, 31)
                if first_day.month < 12
                else date(first_day.year + 1, 6, 30),
                target_grade="premium" if position % 7 == 0 else "fine",
            )
            result.letters += 1
            if position % 5 != 4:  # most chiefs have signed; a few still have to
                with clock.frozen(
                    timezone.make_aware(datetime(start.year, start.month, start.day, 10)) + timedelta(days=2)
                ):
                    actions.do_sign_task_letter(actor=None, letter_id=letter.pk)
        if (
            position % 7 in (0, 1)
            and not GradeChange.objects.filter(street_code=street.code, kind="award").exists()
        ):
            actions.do_award_grade(
                actor=None,
                street_code=street.code,
                grade="premium" if position % 7 == 0 else "fine",
                reason="2017 年背街小巷整治验收评定",
            )
        if not LedgerEntry.objects.filter(street_code=street.code).exists():
            for kind, label, low, high in LEDGER:
                quantity = rng.randint(low, high)
                if quantity:
                    actions.do_record_ledger_entry(
                        actor=None, street_code=street.code, kind=kind, label=label, quantity=quantity
                    )
        record = StreetRecord.objects.filter(street_code=street.code).first()
        if record is None or not record.property_company:
            actions.do_update_board(
                actor=None,
                street_code=street.code,
                property_company=PROPERTY[position % len(PROPERTY)],
                property_phone=f"010-6{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                chief_public_phone=f"010-6{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                supervision_phone="12345",
                target_date=date(first_day.year, 12, 31),
            )

    # Months of monthly city checks, oldest first, each on its own (frozen) day.
    profile = _profile(street.code, position)
    deductions = _scores(profile, months, rng)
    for offset, deduction in enumerate(deductions):
        month = month_from_index(this_month - months + offset)
        if Inspection.objects.filter(street_code=street.code, kind="city_monthly", period=month).exists():
            continue
        year, mon = int(month[:4]), int(month[5:])
        day = timezone.make_aware(datetime(year, mon, 8 + (position % 15), 10, 30))
        with clock.frozen(day):
            inspection = actions.do_record_inspection(
                actor=assessor,
                street_code=street.code,
                kind="city_monthly",
                inspected_on=day.date(),
                results=_results(deduction, rng),
                satisfaction=rng.choice([88, 91, 93, 95]) if mon % 3 == 0 else None,
                note="演示数据",
            )
        result.inspections += 1
        # Its findings are cases: confirmed, sent, fixed and closed within days; on a failing street the
        # last check's findings are parked into the street's 一街一策 plan instead. So 待核实 holds today's
        # reports, not months of unverified findings.
        from jingzhi.demo.cases import settle_finding

        park = profile == "failing" and offset == len(deductions) - 1
        for case in Case.objects.filter(
            idempotency_key__startswith=f"rectification:{inspection.pk}:", state="reported"
        ).order_by("id"):
            settle_finding(stories, case, day, park=park)

    if profile != "good" and not StreetPlan.objects.filter(street_code=street.code).exists():
        with clock.frozen(timezone.make_aware(datetime(now.year, now.month, 1, 9)) - timedelta(days=20)):
            actions.do_save_plan(
                actor=None,
                street_code=street.code,
                title=f"{street.name}一街一策",
                summary="针对检查中反复出现的问题，逐项明确责任单位和完成时限。",
            )
            from jingzhi.cases import workflow

            open_cases = list(
                Case.objects.filter(street_code=street.code, state__in=workflow.OPEN_STATES).values_list(
                    "pk", flat=True
                )[:2]
            )
            items = [
                ("规范停车秩序，施划停车位", "交管、街道城管科", 15, 60, "illegal_parking"),
                ("拆除违法建设、封堵开墙打洞", "城管执法", -10, 40, "illegal_construction"),
                ("架空线入地、外立面修缮", "街道、供电公司", 45, 10, "overhead_wires"),
            ]
            for n, (text, owner, days, progress, code) in enumerate(items):
                item = actions.do_add_plan_item(
                    actor=None,
                    street_code=street.code,
                    text=text,
                    owner_name=owner,
                    deadline=first_day + timedelta(days=days),
                    standard_code=code,
                    case_ids=open_cases if n == 0 else (),
                )
                actions.do_update_plan_item(actor=None, item_id=item.pk, progress=progress, note="演示进度")
            result.plans += 1
