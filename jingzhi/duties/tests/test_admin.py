"""The admin writes through the actions and shows the list's pages (import, export, coverage)."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jingzhi.core.models import AuditEvent
from jingzhi.duties import actions
from jingzhi.duties.models import DutyRule

from .conftest import SUB1, D

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.org", "pw-not-used-elsewhere")
    client.force_login(user)
    return client


def _post(world, *departments):
    data = {
        "category": world.c.public.pk,
        "scope_kind": "subdistrict",
        "scope_code": SUB1,
        "basis": "",
        "note": "",
        "is_active": "on",
        "valid_from": "",
        "valid_to": "",
        "assignments-TOTAL_FORMS": str(len(departments)),
        "assignments-INITIAL_FORMS": "0",
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    for index, (department, lead) in enumerate(departments):
        data[f"assignments-{index}-department"] = department.pk
        if lead:
            data[f"assignments-{index}-is_lead"] = "on"
    return data


def test_adding_a_rule_in_the_admin_goes_through_the_action(world, staff):
    response = staff.post(
        reverse("admin:duties_dutyrule_add"), _post(world, (world.d.szsr, True), (world.d.cgzf, False))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = DutyRule.objects.get()
    assert [(a.department.code, a.is_lead) for a in rule.assignments.all()] == [
        ("SZSR", True),
        ("CGZF", False),
    ]
    assert AuditEvent.objects.filter(verb="duty_rule_created", target_id=str(rule.pk)).exists()


def test_the_admin_form_shows_a_missing_lead_and_saves_nothing(world, staff):
    response = staff.post(
        reverse("admin:duties_dutyrule_add"), _post(world, (world.d.szsr, False), (world.d.cgzf, False))
    )
    assert response.status_code == 200
    assert "必须指定一个牵头部门" in response.content.decode()
    assert not DutyRule.objects.exists()


def test_the_admin_pages_export_import_and_coverage_work(world, staff):
    actions.do_create_duty_rule(
        actor=None, category=world.c.public, scope_kind="district", scope_code=D, departments=[world.d.szsr]
    )
    assert staff.get(reverse("admin:duties_dutyrule_changelist")).status_code == 200
    exported = staff.get(reverse("admin:duties_dutyrule_export"))
    assert load_workbook(io.BytesIO(exported.content)).active["A2"].value == "01"
    upload = io.BytesIO(exported.content)
    upload.name = "duties.xlsx"
    assert staff.post(reverse("admin:duties_dutyrule_import"), {"file": upload}).status_code == 302
    coverage = staff.get(reverse("admin:duties_dutyrule_coverage"), {"district": D}).content.decode()
    assert "暴露垃圾" in coverage and "青槐街道" in coverage
