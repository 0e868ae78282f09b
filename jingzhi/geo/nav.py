"""Header links of the place browser and the grid map (contract: `jingzhi.web.navigation`). Both are for
people who work a jurisdiction — every role but resident; a resident's place is their report form."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jingzhi.accounts import access


def works_places(user) -> bool:
    return access.is_superuser(user) or bool(access.roles_of(user) - {"resident"})


def entries(user) -> list[dict]:
    if not works_places(user):
        return []
    return [
        {"key": "places", "label": _("辖区"), "url": reverse("web:places"), "order": 60},
        {"key": "map", "label": _("网格地图"), "url": reverse("web:map"), "order": 70},
    ]
