from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from jingzhi.core import clock
from jingzhi.core.actions import do_import_holidays
from jingzhi.core.checks import check_calendar_coverage
from jingzhi.core.context_processors import calendar_banner
from jingzhi.core.holidayfile import HolidayRow
from jingzhi.core.models import AuditEvent, CalendarYear, Holiday

SH = ZoneInfo("Asia/Shanghai")
EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "holidays-example.csv"
pytestmark = pytest.mark.django_db


def _load_2027():
    do_import_holidays(
        actor=None, year=2027, rows=[HolidayRow(datetime(2027, 1, 1).date(), "元旦", False)], source="t"
    )


def test_the_system_check_warns_about_2027_and_tells_how_to_load_it():
    with clock.frozen(datetime(2026, 12, 1, 9, 0, tzinfo=SH)):
        messages = check_calendar_coverage()
    assert [m.id for m in messages] == ["jingzhi.W001"]
    assert "2027" in messages[0].msg and "周一至周五" in messages[0].msg
    assert "jingzhi calendar import" in messages[0].hint


def test_the_system_check_is_quiet_when_both_years_are_known():
    with clock.frozen(datetime(2025, 6, 1, 9, 0, tzinfo=SH)):
        assert check_calendar_coverage() == []
    _load_2027()
    with clock.frozen(datetime(2026, 12, 1, 9, 0, tzinfo=SH)):
        assert check_calendar_coverage() == []


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_banner_is_shown_to_staff_only():
    User = get_user_model()
    staff = User.objects.create_user("admin1", password="x", is_staff=True)
    resident = User.objects.create_user("resident1", password="x")
    from django.contrib.auth.models import AnonymousUser

    with clock.frozen(datetime(2026, 12, 1, 9, 0, tzinfo=SH)):
        banner = calendar_banner(_request(staff))
        assert "2027" in banner["calendar_warning"]
        # The line a phone shows before a tap is short; the full text and the hint open under it.
        assert "2027" in banner["calendar_summary"] and len(banner["calendar_summary"]) <= 30
        assert "jingzhi calendar import" in banner["calendar_warning"]
        assert calendar_banner(_request(resident)) == {}
        assert calendar_banner(_request(AnonymousUser())) == {}
        _load_2027()
        assert calendar_banner(_request(staff)) == {}


@pytest.fixture
def admin_client_(client):
    user = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(user)
    return client


def test_the_audit_log_admin_is_read_only(admin_client_):
    assert admin_client_.get(reverse("admin:core_auditevent_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:core_auditevent_add")).status_code == 403


def test_the_admin_upload_page_lists_every_problem_and_imports_nothing(admin_client_):
    url = reverse("admin:core_calendaryear_upload")
    assert (
        "上传节假日文件" in admin_client_.get(reverse("admin:core_calendaryear_changelist")).content.decode()
    )
    bad = SimpleUploadedFile("bad.csv", "date,name,is_workday\n2027-02-10,周三,1\n2026-01-01,x,0\n".encode())
    page = admin_client_.post(url, {"year": 2027, "file": bad}).content.decode()
    assert "第 2 行" in page and "第 3 行" in page and "未导入任何数据" in page
    assert not Holiday.objects.exists() and not CalendarYear.objects.exists()


def test_the_admin_upload_page_imports_a_good_file_with_an_audit_row(admin_client_):
    good = SimpleUploadedFile("holidays-example.csv", EXAMPLE.read_bytes())
    response = admin_client_.post(
        reverse("admin:core_calendaryear_upload"), {"year": 2027, "file": good, "source": "国办发明电"}
    )
    assert response.status_code == 302
    assert CalendarYear.objects.get(year=2027).source == "国办发明电"
    event = AuditEvent.objects.get()
    assert event.actor.username == "root"


def test_editing_a_holiday_in_the_admin_is_checked_and_audited(admin_client_):
    url = reverse("admin:core_holiday_add")
    page = admin_client_.post(url, {"date": "2027-02-10", "is_workday": "on", "name": "x"}).content.decode()
    assert "只能是周六或周日" in page and not Holiday.objects.exists()
    response = admin_client_.post(url, {"date": "2027-02-20", "is_workday": "on", "name": "调休"})
    assert response.status_code == 302
    assert Holiday.objects.get().is_workday
    assert AuditEvent.objects.get().verb == "calendar.holiday_saved"


def test_a_work_schedule_with_overlapping_periods_is_refused(admin_client_):
    url = reverse("admin:core_workschedule_add")
    page = admin_client_.post(
        url, {"key": "x", "name": "x", "periods": '[["08:00", "12:00"], ["11:00", "17:00"]]'}
    )
    assert "重叠" in page.content.decode()
