"""The demo's 腾退空间: ~40 spaces in every state (two 反弹 with their cases), ~150 service points with gaps
for exactly two kinds, merchants with open follow-ups; re-running adds nothing."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_demo_spaces_cover_every_state_and_show_two_gap_kinds(settings, tmp_path):
    from jingzhi.demo.build import build_demo
    from jingzhi.demo.spaces import load_demo_spaces
    from jingzhi.spaces import queries
    from jingzhi.spaces.models import Merchant, Recheck, ServicePoint, Space

    settings.VAR_DIR = tmp_path
    settings.JINGZHI_DEMO_SPACES = 40
    build_demo(case_count=0, street_months=0)
    assert Space.objects.count() == 40
    assert set(Space.objects.values_list("state", flat=True)) == {
        "vacated",
        "awaiting",
        "planning",
        "building",
        "in_use",
        "rebound",
    }
    rebound = Recheck.objects.filter(outcome="reoccupied")
    assert rebound.count() == 2 and all(r.case_id for r in rebound)
    assert ServicePoint.objects.count() == 150
    result = queries.coverage_for(None)
    assert {g.kind.code for g in result.gaps} == {"vegetables", "elderly_station"}
    assert any(g.candidates for g in result.gaps) and all(g.affected for g in result.gaps)
    assert Merchant.objects.filter(closed_on__isnull=True).count() == 3
    assert load_demo_spaces() == 0 and Space.objects.count() == 40


def test_the_test_suite_builds_the_demo_without_spaces(settings, tmp_path):
    from jingzhi.demo.build import build_demo
    from jingzhi.spaces.models import Space

    settings.VAR_DIR = tmp_path
    build_demo(case_count=0, street_months=0)
    assert not Space.objects.exists()
