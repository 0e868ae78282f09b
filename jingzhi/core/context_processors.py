"""Template values from core: the calendar warning banner for administrators.

Only staff and superusers see it (residents cannot act on it). The text is memoised per day and per
calendar-data version, so a page render costs no query once the calendar cache is warm.
"""

from __future__ import annotations

from django.utils import translation

from jingzhi.core import workcalendar
from jingzhi.core.checks import calendar_hint_text, calendar_warning_text

_memo: dict[tuple, str] = {}


def calendar_warning() -> str:
    """The banner text, or "" when this year and next are covered."""
    today = workcalendar.today()
    key = (today, workcalendar.data_version(), translation.get_language())
    text = _memo.get(key)
    if text is None:
        years = workcalendar.years_without_data(today)
        text = f"{calendar_warning_text(years)}{calendar_hint_text(years)}" if years else ""
        _memo.clear()
        _memo[key] = text
    return text


def calendar_banner(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_staff or user.is_superuser):
        return {}
    text = calendar_warning()
    return {"calendar_warning": text} if text else {}
