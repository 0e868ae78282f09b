"""The accounts app's value types: roles and scope kinds, shared by its tables and its pure rules
(`rules.py`). Pure: Django's enum type and lazy translations only, no tables, so `rules.py` names a role
without importing the models; `models.py` re-exports both for the callers that always found them there.
"""

from __future__ import annotations

from django.db.models.enums import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    RESIDENT = "resident", _("居民")
    INSPECTOR = "inspector", _("城市管理监督员")
    OPERATOR = "operator", _("受理员")
    SHIFT_LEAD = "shift_lead", _("值班长")
    DISPATCHER = "dispatcher", _("派遣员")
    HANDLER = "handler", _("部门处置人员")
    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    STREET_CHIEF = "street_chief", _("街巷长")
    STEWARD = "steward", _("小巷管家")
    COUNCIL_MEMBER = "council_member", _("理事会成员")
    SUBDISTRICT_ADMIN = "subdistrict_admin", _("街道管理员")
    DISTRICT_ADMIN = "district_admin", _("区管理员")
    ASSESSOR = "assessor", _("考核员")


class ScopeKind(TextChoices):
    DISTRICT = "district", _("区")
    SUBDISTRICT = "subdistrict", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    STREET = "street", _("街巷")
    DEPARTMENT = "department", _("部门")
