"""The demo's 考核 snapshots: every month from six months back to this one that has not been filled yet is
filled from the demo's case history and street inspections, through `assessment.actions` — so a re-run of
`jingzhi demo` writes nothing (`jingzhi assessment rebuild` re-fills on demand).

Then 每月一题 and 治理类街乡, also through the actions and only when not there yet: the problem counts of the
same months; the last complete month's most frequent category confirmed by the district admin as this
month's topic; a focus rule (the lowest, or a quarter mean below 60) and the focus list of the last
complete month's quarter; and two improvement-plan items (one
overdue) kept by the listed subdistrict's own admin."""

from __future__ import annotations


def fill_demo_snapshots(*, actor=None, months: int = 6, progress=None) -> int:
    """Fill the last `months` months (this one included) not filled before; returns the figure rows written."""
    from jingzhi.assessment import actions, rules
    from jingzhi.assessment.models import FillRun, ProblemCount

    this = actions.current_month()
    wanted = rules.months_between(rules.shift_month(this, -(months - 1)), this)
    done = set(FillRun.objects.filter(month__in=wanted).values_list("month", flat=True))
    counted = set(ProblemCount.objects.filter(month__in=wanted).values_list("month", flat=True))
    total = 0
    for month in wanted:
        if month not in done:
            if progress:
                progress(f"考核快照 {month}…")
            total += actions.do_fill_month(month, actor=actor, trigger="demo").figures
        if month not in counted:
            actions.do_fill_problem_counts(month, actor=actor, trigger="demo")
    load_demo_topics_and_focus(actor=actor, progress=progress)
    return total


def load_demo_topics_and_focus(*, actor=None, progress=None) -> None:
    """A confirmed monthly topic and a focus list with a plan, unless the demo already has them."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from jingzhi.assessment import actions, queries, topic_rules
    from jingzhi.assessment.models import FocusEntry, FocusRule, MonthlyTopic
    from jingzhi.core import clock
    from jingzhi.core.errors import ApplicationError
    from jingzhi.demo.build import SUB1, SUB2, D

    users = get_user_model().objects
    source = queries.default_month()
    if not source:
        return
    if progress:
        progress("每月一题、治理类街乡…")
    admin = users.filter(username="district_admin").first()
    if not MonthlyTopic.objects.filter(district_code=D).exists():
        candidates = [c for c in queries.topic_candidates_of(D, source) if c.dimension == "category"]
        if candidates:
            top = candidates[0]
            actions.do_confirm_topic(
                actor=admin,
                district_code=D,
                source_month=source,
                dimension=top.dimension,
                key=top.key,
                title=f"{top.label}专项治理",
                note="上月诉求最集中的问题类别，本月集中整治，每周通报进展。",
            )
    quarter = topic_rules.quarter_of(source)
    if not FocusRule.objects.exists():
        actions.do_set_focus_rule(
            actor=admin,
            effective_from="2020Q1",
            bottom=1,
            below="60",
            label="末 1 位或季度均分低于 60 分",
            note="演示规则：每季度末位街乡，以及季度月均得分低于 60 分的街乡。",
        )
    if not FocusEntry.objects.filter(quarter=quarter).exists():
        try:
            entries = actions.do_compute_focus(quarter, actor=admin, trigger="demo")
        except ApplicationError:
            return
        chiefs = {SUB1: "subdistrict_admin", SUB2: "subdistrict_admin2"}
        entry = next((e for e in entries if e.unit_code in chiefs), None)
        if entry is None:
            return
        chief = users.filter(username=chiefs[entry.unit_code]).first()
        start, after = topic_rules.quarter_bounds(quarter)
        today = timezone.localtime(clock.now()).date()
        actions.do_add_plan_item(
            actor=chief,
            quarter=quarter,
            unit_code=entry.unit_code,
            what="建立响应超时案件日清台账，每日下班前逐件销号",
            due_date=max(start, today - timedelta(days=5)),
            note="已指定专人负责台账。",
        )
        actions.do_add_plan_item(
            actor=chief,
            quarter=quarter,
            unit_code=entry.unit_code,
            what="不满意案件逐件回访，约谈责任部门",
            due_date=max(after, today + timedelta(days=20)),
        )
