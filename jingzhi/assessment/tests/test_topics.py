"""每月一题: the problem-count snapshot, the proposal (rule as data), confirming and dismissing candidates,
and tracking a confirmed topic — through the actions, the web pages and the API, scoped to the reader."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jingzhi.assessment import actions, queries, topic_rules
from jingzhi.assessment.models import MonthlyTopic, ProblemCount
from jingzhi.core.audit import AuditEvent
from jingzhi.core.errors import InvalidInput, NotFound

from .conftest import MONTH, T0, D, open_case

NEXT = "2025-07"
CAT = "component:0101"


@pytest.fixture
def counted(history):
    actions.do_fill_month(MONTH, actor=None)
    actions.do_fill_problem_counts(MONTH, actor=None)
    return history


def _counts(month=MONTH):
    return {
        (r.district_code, r.dimension, r.key): (r.cases, r.closed)
        for r in ProblemCount.objects.filter(month=month)
    }


def test_problem_counts_match_the_cases_and_fill_twice_is_fill_once(counted, world):
    from jingzhi.cases.models import Case

    valid = [
        c
        for c in Case.objects.filter(reported_at__year=2025, reported_at__month=6)
        if c.state not in ("not_filed", "void", "merged")
    ]
    first = _counts()
    assert first[(D, "category", CAT)] == (len(valid), sum(1 for c in valid if c.state == "closed"))
    by_sub: dict[str, int] = {}
    for c in valid:
        by_sub[c.subdistrict_code] = by_sub.get(c.subdistrict_code, 0) + 1
    for code, n in by_sub.items():
        assert first[(D, "subdistrict", code)][0] == n
    assert not any(k[2] == counted.void.subdistrict_code and v[0] > len(valid) for k, v in first.items())
    actions.do_fill_problem_counts(MONTH, actor=None)
    assert _counts() == first
    assert AuditEvent.objects.filter(verb="assessment.problems_counted").count() == 2


def test_the_proposal_follows_the_rule_in_force(counted, world):
    candidates = queries.topic_candidates_of(D, MONTH)
    keys = {(c.dimension, c.key) for c in candidates}
    assert ("category", CAT) in keys
    assert all(c.cases >= topic_rules.DEFAULT_TOPIC_RULE.min_count for c in candidates)
    # A stricter rule from June on: nothing reaches 100 cases.
    actions.do_set_topic_rule(
        actor=world.p.district_admin,
        effective_from=MONTH,
        dimensions=["category"],
        per_dimension=1,
        min_count=100,
    )
    assert queries.topic_candidates_of(D, MONTH) == []
    with pytest.raises(InvalidInput) as bad:
        actions.do_set_topic_rule(
            actor=world.p.district_admin,
            effective_from="2025-08",
            dimensions=["planet"],
            per_dimension=1,
            min_count=1,
        )
    assert bad.value.fields == {"dimensions": "planet"}


def test_the_pure_proposal_ranks_limits_and_compares_with_last_month():
    rule = topic_rules.TopicRule("2000-01", ("category", "grid"), per_dimension=2, min_count=2)
    counts = [
        {"dimension": "category", "key": "a", "label": "A", "cases": 5, "closed": 1},
        {"dimension": "category", "key": "b", "label": "B", "cases": 5, "closed": 5},
        {"dimension": "category", "key": "c", "label": "C", "cases": 9, "closed": 0},
        {"dimension": "grid", "key": "g", "label": "G", "cases": 1, "closed": 0},
        {"dimension": "street", "key": "s", "label": "S", "cases": 50, "closed": 0},
    ]
    got = topic_rules.propose(counts, {("category", "c"): 3}, rule)
    assert [(c.key, c.rank, c.previous, c.change) for c in got] == [("c", 1, 3, 6), ("a", 2, None, 5)]
    assert topic_rules.change_percent(9, 3) == 200
    assert topic_rules.change_percent(3, None) is None


def test_confirming_refuses_a_second_time_a_missing_candidate_and_outsiders(counted, world):
    admin = world.p.district_admin
    topic = actions.do_confirm_topic(
        actor=admin,
        district_code=D,
        source_month=MONTH,
        dimension="category",
        key=CAT,
        title="井盖治理",
        note="重点",
    )
    assert (topic.month, topic.decision, topic.source_cases) == (
        NEXT,
        "confirmed",
        _counts()[(D, "category", CAT)][0],
    )
    assert AuditEvent.objects.filter(verb="assessment.topic_confirmed").count() == 1
    with pytest.raises(InvalidInput) as again:
        actions.do_confirm_topic(
            actor=admin, district_code=D, source_month=MONTH, dimension="category", key=CAT, title="再来一次"
        )
    assert again.value.fields == {"candidate": "taken"}
    with pytest.raises(InvalidInput) as missing:
        actions.do_confirm_topic(
            actor=admin,
            district_code=D,
            source_month=MONTH,
            dimension="category",
            key="component:9999",
            title="x",
        )
    assert missing.value.fields == {"candidate": "missing"}
    with pytest.raises(InvalidInput):
        actions.do_confirm_topic(
            actor=admin, district_code=D, source_month="2025-13", dimension="category", key=CAT, title="x"
        )
    for outsider in (world.p.sub_admin, world.p.handler):
        with pytest.raises(NotFound):
            actions.do_confirm_topic(
                actor=outsider, district_code=D, source_month=MONTH, dimension="category", key=CAT, title="x"
            )
    with pytest.raises(InvalidInput):
        actions.do_dismiss_topic(
            actor=admin, district_code=D, source_month=MONTH, dimension="category", key=CAT
        )


def test_a_dismissed_candidate_may_still_be_confirmed(counted, world):
    admin = world.p.district_admin
    grid = next(c for c in queries.topic_candidates_of(D, MONTH) if c.dimension == "grid")
    actions.do_dismiss_topic(
        actor=admin, district_code=D, source_month=MONTH, dimension="grid", key=grid.key, note="已在整治"
    )
    board = queries.topic_board(admin, MONTH)
    assert [r.decision.decision for r in board.rows if r.candidate.key == grid.key] == ["dismissed"]
    row = actions.do_confirm_topic(
        actor=admin, district_code=D, source_month=MONTH, dimension="grid", key=grid.key, title="网格题"
    )
    assert row.decision == "confirmed" and MonthlyTopic.objects.count() == 1


def test_tracking_counts_the_topic_month_and_lists_only_visible_cases(counted, world, frozen):
    admin = world.p.district_admin
    topic = actions.do_confirm_topic(
        actor=admin, district_code=D, source_month=MONTH, dimension="category", key=CAT, title="井盖治理"
    )
    frozen.to(T0 + timedelta(days=30))
    july = open_case(world)
    actions.do_fill_problem_counts(NEXT, actor=None)
    got = queries.topic_tracking(admin, topic.pk)
    assert got.current == (1, 0) and got.source[0] == topic.source_cases
    assert got.change == 1 - topic.source_cases
    assert [r["ref"] for r in got.records] == [july.number]
    assert [m for m, *_ in got.trend] == [MONTH, NEXT]
    # The other subdistrict's admin sees the topic but not this subdistrict's case.
    other = queries.topic_tracking(world.p.sub_admin2, topic.pk)
    assert other.records == [] and other.current == (1, 0)
    with pytest.raises(NotFound):
        queries.topic_tracking(world.p.handler, topic.pk)
    with pytest.raises(NotFound):
        queries.topic_tracking(admin, 999999)


# ------------------------------------------------------------------------------------------------ web and API
def test_the_topic_pages_propose_confirm_and_track(client, counted, world):
    client.force_login(world.p.district_admin)
    page = client.get("/assessment/topics/", {"month": MONTH})
    body = page.content.decode()
    assert page.status_code == 200 and "上水井盖" in body and "每月一题" in body
    done = client.post(
        "/assessment/topics/",
        {
            "month": MONTH,
            "district": D,
            "candidate": f"category|{CAT}",
            "title": "井盖治理",
            "note": "",
            "do": "confirm",
        },
    )
    assert done.status_code == 302
    topic = MonthlyTopic.objects.get()
    again = client.post(
        "/assessment/topics/",
        {"month": MONTH, "district": D, "candidate": f"category|{CAT}", "title": "井盖治理", "do": "confirm"},
    )
    assert again.status_code == 400 and "不能重复确定" in again.content.decode()
    missing = client.post(
        "/assessment/topics/",
        {
            "month": MONTH,
            "district": D,
            "candidate": "category|component:9999",
            "title": "x",
            "do": "confirm",
        },
    )
    assert missing.status_code == 400 and "候选题目" in missing.content.decode()
    track = client.get(f"/assessment/topics/{topic.pk}/")
    assert track.status_code == 200 and "井盖治理" in track.content.decode()
    assert "13800000000" not in track.content.decode()
    assert client.get("/assessment/topics/", {"month": "2025-13"}).status_code == 400


def test_a_subdistrict_reads_topics_but_cannot_decide(client, counted, world):
    client.force_login(world.p.sub_admin)
    assert client.get("/assessment/topics/", {"month": MONTH}).status_code == 200
    refused = client.post(
        "/assessment/topics/",
        {"month": MONTH, "district": D, "candidate": f"category|{CAT}", "title": "x", "do": "confirm"},
    )
    assert refused.status_code == 404 and not MonthlyTopic.objects.exists()
    client.force_login(world.p.resident)
    assert client.get("/assessment/topics/", {"month": MONTH}).status_code == 404
