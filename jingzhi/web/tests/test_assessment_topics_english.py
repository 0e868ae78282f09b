"""每月一题 and 治理类街乡 in English: with the language cookie "en" the topic, tracking, focus-list and plan
pages show English chrome around the data (place, category and department names, titles as entered)."""

from __future__ import annotations

import pytest

from jingzhi.assessment import actions
from jingzhi.assessment.tests.conftest import MONTH, SUB1, D, history  # noqa: F401
from jingzhi.cases.testing import frozen, world  # noqa: F401
from jingzhi.web.tests.test_english import _chinese_chrome, _stored_text


@pytest.fixture
def ready(history, world):  # noqa: F811
    actions.do_fill_month(MONTH, actor=None)
    actions.do_fill_problem_counts(MONTH, actor=None)
    topic = actions.do_confirm_topic(
        actor=world.p.district_admin,
        district_code=D,
        source_month=MONTH,
        dimension="category",
        key="component:0101",
        title="井盖治理",
        note="每周通报",
    )
    actions.do_compute_focus("2025Q2", actor=None)
    actions.do_add_plan_item(
        actor=world.p.sub_admin, quarter="2025Q2", unit_code=SUB1, what="井盖巡查", due_date="2025-06-20"
    )
    return topic


def test_topic_and_focus_pages_are_english_apart_from_the_data(client, ready, world):  # noqa: F811
    client.cookies["django_language"] = "en"
    data = _stored_text()
    for user, url in (
        (world.p.district_admin, f"/assessment/topics/?month={MONTH}"),
        (world.p.district_admin, f"/assessment/topics/{ready.pk}/"),
        (world.p.district_admin, "/assessment/focus/?quarter=2025Q2"),
        (world.p.district_admin, f"/assessment/focus/2025Q2/{SUB1}/"),
        (world.p.sub_admin, f"/assessment/focus/2025Q2/{SUB1}/"),
    ):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200, url
        assert _chinese_chrome(body, data) == [], (user.username, url)
