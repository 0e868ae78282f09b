"""The demo's 多元共治 part: two councils with a published roster of this month, missed and done patrols, a
joint meeting with an overdue action item, a property company handling a case, party members with hours —
and a second run adds nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from jingzhi.core import clock

pytestmark = pytest.mark.django_db


def test_the_demo_has_councils_patrols_meetings_and_party_hours(settings, tmp_path):
    from jingzhi.cases.models import CaseAssignment
    from jingzhi.councils import queries
    from jingzhi.councils.models import ActionItem, Council, PatrolRound, PropertyCompany, Roster, TaskSignup
    from jingzhi.demo.build import build_demo

    settings.VAR_DIR = tmp_path
    with clock.frozen(timezone.make_aware(datetime(2025, 6, 23, 10, 0))):
        build_demo(case_count=0, street_months=0)
        assert Council.objects.count() == 2
        assert Roster.objects.filter(published_at__isnull=False).count() == 2
        street = Council.objects.get(area_kind="street")
        assert queries.missed_shifts(street) and PatrolRound.objects.filter(shift__council=street).exists()
        rates = queries.completion_rates(street, street.rosters.get().month, queries.today())
        assert 0 < rates["council"] < 1
        assert ActionItem.objects.filter(status="open", due_on__lt=queries.today()).exists()
        company = PropertyCompany.objects.get()
        assert CaseAssignment.objects.filter(department=company.department).exists()
        assert TaskSignup.objects.filter(hours__gt=0).exists()
        counts = (Council.objects.count(), PatrolRound.objects.count(), ActionItem.objects.count())
        build_demo(case_count=0, street_months=0)
        assert (Council.objects.count(), PatrolRound.objects.count(), ActionItem.objects.count()) == counts
