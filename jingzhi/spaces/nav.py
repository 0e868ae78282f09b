"""Navigation entries of 腾退空间 for the web app's header (collected from installed apps' `nav.py`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhi.core.urls import fixed_url
from jingzhi.spaces import permissions


def entries(user) -> list[dict]:
    if not permissions.can_view_spaces(user):
        return []
    return [
        {"key": "spaces", "label": _("腾退空间"), "url": fixed_url("web:spaces"), "order": 60},
        {
            "key": "spaces_coverage",
            "label": _("便民生活圈"),
            "url": fixed_url("web:spaces_coverage"),
            "order": 61,
        },
    ]
