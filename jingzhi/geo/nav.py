"""Header links of the place browser and the grid map (contract: `jingzhi.web.navigation`). Both are for
people who work a jurisdiction or a department's cases — not residents, and not the volunteers (stewards,
council members), whose place is their street: a short header on their phones."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhi.accounts import access
from jingzhi.core.urls import fixed_url

NOT_PLACE_WORK = {"resident", "steward", "council_member"}


def works_places(user) -> bool:
    return access.is_superuser(user) or bool(access.roles_of(user) - NOT_PLACE_WORK)


def entries(user) -> list[dict]:
    if not works_places(user):
        return []
    return [
        {"key": "places", "label": _("辖区"), "url": fixed_url("web:places"), "order": 60},
        {"key": "map", "label": _("网格地图"), "url": fixed_url("web:map"), "order": 70},
    ]
