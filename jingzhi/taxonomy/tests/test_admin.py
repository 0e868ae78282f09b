import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jingzhi.accounts.models import User
from jingzhi.core.models import AuditEvent
from jingzhi.taxonomy import actions
from jingzhi.taxonomy.limits import TimeLimit
from jingzhi.taxonomy.models import Category, FilingCondition, RequestType, Urgency
from jingzhi.taxonomy.tests.factories import tree, workbook


@pytest.fixture
def admin_client(client, db):
    user = User.objects.create_superuser("root", "root@example.org", "pw-not-used-elsewhere")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_category_list_shows_the_tree_and_the_excel_buttons(admin_client):
    major, minor, sub = tree()
    response = admin_client.get(reverse("admin:taxonomy_category_changelist"), {"under": minor.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert "铸铁井盖" in body and "从 Excel 导入" in body and "导出 Excel" in body
    assert "└ 上水井盖" in body


@pytest.mark.django_db
def test_adding_a_category_with_a_filing_condition_in_the_admin_is_audited(admin_client):
    major, _, _ = tree()
    response = admin_client.post(
        reverse("admin:taxonomy_category_add"),
        {
            "kind": "component",
            "parent": major.pk,
            "code": "0102",
            "name": "污水井盖",
            "is_active": "on",
            "keywords": "污水井",
            "dedup_radius_m": 50,
            "dedup_window_hours": 72,
            "shiwu_item": "",
            "filing_conditions-TOTAL_FORMS": 1,
            "filing_conditions-INITIAL_FORMS": 0,
            "filing_conditions-0-sort_order": 1,
            "filing_conditions-0-text": "缺失",
            "filing_conditions-0-level": "A",
            "filing_conditions-0-limit_amount": "4",
            "filing_conditions-0-limit_unit": "working_hours",
            "filing_conditions-0-is_active": "on",
            "closing_conditions-TOTAL_FORMS": 0,
            "closing_conditions-INITIAL_FORMS": 0,
            "step_limits-TOTAL_FORMS": 0,
            "step_limits-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = Category.objects.get(kind="component", code="0102")
    assert created.level == "minor"
    assert FilingCondition.objects.get(category=created).text == "缺失"
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"taxonomy.category_created", "taxonomy.filingcondition_created"} <= verbs


@pytest.mark.django_db
def test_a_code_outside_its_parent_is_a_form_error_in_the_admin(admin_client):
    major, _, _ = tree()
    response = admin_client.post(
        reverse("admin:taxonomy_category_add"),
        {
            "kind": "component",
            "parent": major.pk,
            "code": "0299",
            "name": "x",
            "dedup_radius_m": 50,
            "dedup_window_hours": 72,
            "filing_conditions-TOTAL_FORMS": 0,
            "filing_conditions-INITIAL_FORMS": 0,
            "closing_conditions-TOTAL_FORMS": 0,
            "closing_conditions-INITIAL_FORMS": 0,
            "step_limits-TOTAL_FORMS": 0,
            "step_limits-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "须以上级编码 01 开头" in response.content.decode()
    assert not Category.objects.filter(code="0299").exists()


@pytest.mark.django_db
def test_the_admin_exports_and_imports_excel_and_lists_bad_rows(admin_client):
    actions.do_create_category(actor=None, kind="event", code="01", name="市容环境")
    exported = admin_client.get(reverse("admin:taxonomy_category_export"))
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    url = reverse("admin:taxonomy_category_import")
    assert admin_client.get(url).status_code == 200
    bad = workbook(categories=[{"类型": "事件", "编码": "0901", "名称": "私搭乱建", "上级编码": "09"}])
    response = admin_client.post(url, {"file": SimpleUploadedFile("bad.xlsx", bad)})
    body = response.content.decode()
    assert "第 2 行：上级编码 09 不存在" in body, body[body.find("content-main") :][:1500]
    good = workbook(categories=[{"类型": "事件", "编码": "0101", "名称": "私搭乱建", "上级编码": "01"}])
    response = admin_client.post(url, {"file": SimpleUploadedFile("good.xlsx", good)})
    assert response.status_code == 302
    assert Category.objects.filter(kind="event", code="0101", level="minor").exists()


@pytest.mark.django_db
def test_deactivating_from_the_admin_list_takes_the_subtree(admin_client):
    major, minor, sub = tree()
    admin_client.post(
        reverse("admin:taxonomy_category_changelist"),
        {"action": "deactivate_selected", "_selected_action": [minor.pk]},
    )
    assert list(Category.objects.filter(is_active=True)) == [major]


@pytest.mark.django_db
def test_every_taxonomy_admin_page_opens(admin_client):
    _, cover, _ = tree()
    actions.do_set_step_limit(actor=None, category=None, step="accept", limit=TimeLimit(1, "working_hours"))
    actions.do_save_row(actor=None, obj=RequestType(code="consult", name="咨询"))
    actions.do_save_row(
        actor=None, obj=Urgency(code="emergency", name="紧急", limit_amount=2, limit_unit="calendar_hours")
    )
    actions.do_save_filing_condition(
        actor=None, category=cover, text="缺失", limit=TimeLimit(4, "working_hours")
    )
    for name in ("category", "filingcondition", "steplimit", "requesttype", "urgency"):
        assert admin_client.get(reverse(f"admin:taxonomy_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:taxonomy_{name}_add")).status_code == 200
    assert admin_client.get(reverse("admin:taxonomy_category_change", args=[cover.pk])).status_code == 200
