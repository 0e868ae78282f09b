"""The taxonomy's value types: the choice enums its tables, its pure rules (`rules.py`, `limits.py`) and the
spreadsheet importer share. Pure: Django's enum type and lazy translations only, no tables, so a pure module
can name a kind, a level or a unit without importing the models; `models.py` and `limits.py` re-export them
for the callers that always found them there.
"""

from __future__ import annotations

from django.db.models.enums import TextChoices
from django.utils.translation import gettext_lazy as _


class TimeUnit(TextChoices):
    WORKING_HOURS = "working_hours", _("工作时")
    WORKING_DAYS = "working_days", _("工作日")
    CALENDAR_HOURS = "calendar_hours", _("自然时")


class Kind(TextChoices):
    COMPONENT = "component", _("部件")
    EVENT = "event", _("事件")


class Level(TextChoices):
    MAJOR = "major", _("大类")
    MINOR = "minor", _("小类")
    SUB = "sub", _("子类")


class Step(TextChoices):
    ACCEPT = "accept", _("受理")
    VERIFY = "verify", _("核实")
    FILE = "file", _("立案")
    DISPATCH = "dispatch", _("派遣")
    RESPOND = "respond", _("响应")
    HANDLE = "handle", _("处置")
    CHECK = "check", _("核查")


class ConditionLevel(TextChoices):
    A = "A", _("A级")
    B = "B", _("B级")
    C = "C", _("C级")


class ShiwuItem(TextChoices):
    """The ten 十无 items of DOMAIN §4, in their published order, with stable codes."""

    ILLEGAL_CONSTRUCTION = "illegal_construction", _("无私搭乱建")
    WALL_OPENINGS = "wall_openings", _("无开墙打洞")
    ILLEGAL_PARKING = "illegal_parking", _("无乱停车")
    ROAD_OCCUPATION = "road_occupation", _("无乱占道")
    OVERHEAD_WIRES = "overhead_wires", _("无乱搭架空线")
    FACADE_DAMAGE = "facade_damage", _("无外立面破损")
    ILLEGAL_SIGNBOARDS = "illegal_signboards", _("无违规广告牌匾")
    ROAD_DAMAGE = "road_damage", _("无道路破损")
    ILLEGAL_BUSINESS = "illegal_business", _("无违规经营")
    PILED_MATERIALS = "piled_materials", _("无堆物堆料")
