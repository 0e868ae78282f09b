"""Template values from core: the calendar warning banner for administrators.

Only staff and superusers see it (residents cannot act on it). The text is memoised per day and per
calendar-data version, so a page render costs no query once the calendar cache is warm.
"""

from __future__ import annotations

from django.utils import translation

from jingzhi.core import workcalendar
from jingzhi.core.checks import calendar_hint_text, calendar_summary_text, calendar_warning_text

_memo: dict[tuple, tuple[str, str]] = {}


def calendar_texts() -> tuple[str, str]:
    """The banner's short line and its full text, or ("", "") when this year and next are covered."""
    today = workcalendar.today()
    key = (today, workcalendar.data_version(), translation.get_language())
    texts = _memo.get(key)
    if texts is None:
        years = workcalendar.years_without_data(today)
        texts = (
            (calendar_summary_text(years), f"{calendar_warning_text(years)}{calendar_hint_text(years)}")
            if years
            else ("", "")
        )
        _memo.clear()
        _memo[key] = texts
    return texts


def calendar_warning() -> str:
    """The banner's full text, or "" when this year and next are covered."""
    return calendar_texts()[1]


def calendar_banner(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (user.is_staff or user.is_superuser):
        return {}
    summary, text = calendar_texts()
    return {"calendar_warning": text, "calendar_summary": summary} if text else {}
