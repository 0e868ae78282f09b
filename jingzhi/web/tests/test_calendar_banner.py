"""The administrators' calendar banner: one short line that opens to the full warning and how to fix it."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from jingzhi.core import clock
from jingzhi.web.tests.conftest import _user

SH = ZoneInfo("Asia/Shanghai")


def test_staff_see_a_short_line_that_opens_to_the_whole_warning(client, tree):
    staff = _user("ops")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    with clock.frozen(datetime(2026, 12, 1, 9, 0, tzinfo=SH)):
        html = client.get("/").content.decode()
    banner = re.search(
        r'<details class="banner banner-warn"[^>]*data-testid="calendar-banner">(.*?)</details>', html, re.S
    )
    assert banner, "the banner is a <details> element"
    summary = re.search(r"<summary>(.*?)</summary>", banner.group(1), re.S).group(1)
    assert "2027" in summary and len(summary) <= 30
    assert "jingzhi calendar import" in banner.group(1)


def test_a_resident_sees_no_calendar_banner(client, tree):
    client.force_login(_user("jumin"))
    with clock.frozen(datetime(2026, 12, 1, 9, 0, tzinfo=SH)):
        html = client.get("/").content.decode()
    assert "calendar-banner" not in html
