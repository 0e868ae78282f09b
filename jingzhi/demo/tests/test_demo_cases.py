"""The demo's case history: every queue of the workbench has work in it, the lights show red and yellow, the
whistle is on a timeline, the audit chain holds, and building again makes nothing."""

from __future__ import annotations

from collections import Counter

import pytest

from jingzhi.demo import cases as demo_cases

SMALL = 40


def test_the_plan_holds_every_fate_even_when_small():
    fates = {fate for fate, _n in demo_cases.SPECIAL_FATES} | {"closed"}
    small = demo_cases.plan(SMALL)
    assert len(small) == SMALL and set(small) == fates
    full = Counter(demo_cases.plan(demo_cases.DEFAULT_COUNT))
    assert sum(full.values()) == demo_cases.DEFAULT_COUNT
    assert full["closed"] > demo_cases.DEFAULT_COUNT / 2  # most of a real district's history is closed
    assert demo_cases.plan(SMALL) == small  # deterministic


@pytest.mark.django_db
def test_demo_cases_fill_every_queue_show_overdue_and_a_whistle_and_rebuild_makes_nothing(settings, tmp_path):
    from jingzhi.accounts.models import User
    from jingzhi.cases import queries, workflow
    from jingzhi.cases.models import Case, CaseEvent, Whistle
    from jingzhi.core import audit
    from jingzhi.core.models import AuditEvent
    from jingzhi.demo.build import build_demo

    settings.VAR_DIR = tmp_path
    first = build_demo(case_count=SMALL)
    assert first.cases_created == SMALL
    assert Case.objects.filter(idempotency_key__startswith=demo_cases.MARKER).count() == SMALL

    admin = User.objects.get(username="district_admin")
    counts = {name: queries.queue_for(admin, name).count() for name in queries.QUEUES}
    empty = [
        name
        for name in (
            "verify",
            "filing",
            "dispatch",
            "response",
            "handling",
            "parked",
            "check",
            "callback",
            "supervision",
            "closed",
        )
        if counts[name] == 0
    ]
    assert not empty, counts
    handler = User.objects.get(username="handler")  # 城管执法: the department most cases go to
    assert queries.queue_for(handler, "handling").exists()

    lights = [case.sla() for case in Case.objects.filter(state__in=workflow.OPEN_STATES)]
    assert any(s.level == workflow.RED and s.overdue_multiple > 1 for s in lights)
    assert any(s.level == workflow.YELLOW for s in lights)
    assert queries.overdue_cases(admin).exists()

    closed = Case.objects.filter(state=workflow.CLOSED)
    assert closed.exclude(rating="").exists() and not closed.filter(rating="").exists()
    assert (
        Case.objects.filter(return_count__gt=0).exists() and Case.objects.filter(rework_count__gt=0).exists()
    )
    assert (
        Case.objects.filter(reopen_count__gt=0).exists()
        and Case.objects.filter(extension_days__gt=0).exists()
    )
    assert Case.objects.filter(source="hotline").exclude(external_ref="").exists()

    whistles = list(Whistle.objects.prefetch_related("summonses__department"))
    assert len(whistles) == 2
    for whistle in whistles:
        names = {s.department.short_name for s in whistle.summonses.all()}
        assert names == {"自来水", "公安交管", "城管执法"}
        assert sum(1 for s in whistle.summonses.all() if s.is_late) == 1
    rated = [w for w in whistles if all(s.rating for s in w.summonses.all())]
    assert len(rated) == 1 and rated[0].cases.get().state == workflow.CLOSED
    assert CaseEvent.objects.filter(action=workflow.REPORT_IN).count() == 6

    assert audit.verify() is None

    before = (Case.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    again = build_demo(case_count=SMALL)
    assert again.cases_created == 0 and not again.created_anything
    assert (Case.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count()) == before
