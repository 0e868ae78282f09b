"""Navigation entries and home blocks of 考核 (collected by the web shell from installed apps)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def entries(user) -> list[dict]:
    from jingzhi.assessment.permissions import can_view_assessment

    if not can_view_assessment(user):
        return []
    return [
        {"key": "assessment", "label": _("考核"), "url": reverse("web:assessment"), "order": 60},
        {
            "key": "assessment_topics",
            "label": _("每月一题"),
            "url": reverse("web:assessment_topics"),
            "order": 60,
        },
        {
            "key": "assessment_focus",
            "label": _("治理类街乡"),
            "url": reverse("web:assessment_focus"),
            "order": 60,
        },
    ]
