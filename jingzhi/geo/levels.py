"""The five levels of place and how their codes nest — pure data, no ORM.

Codes are hierarchical: district 6 digits (GB/T 2260), subdistrict 9, community 12, grid 15; a street code
starts with its subdistrict's 9 digits and goes on with letters or digits (e.g. "110199001S001"). A place's
parent is therefore found from its code alone, which is how importers link levels loaded from separate files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
LINEAR_OR_POLYGONAL = frozenset({"LineString", "MultiLineString", "Polygon", "MultiPolygon"})


@dataclass(frozen=True)
class Level:
    name: str
    label: object  # lazy Chinese label
    digits: int | None  # exact code length for the nested levels; None for streets
    parent: str | None
    parent_digits: int | None
    geometry_types: frozenset
    geometry_required: bool  # a new place of this level must come with a geometry

    def code_problem(self, code: str) -> str | None:
        """Why `code` is not a well-formed code of this level, or None."""
        if self.digits is not None:
            if not (len(code) == self.digits and code.isascii() and code.isdigit()):
                return str(_("%(label)s编码应为%(n)d位数字，实际为「%(code)s」（%(len)d位）")) % {
                    "label": self.label,
                    "n": self.digits,
                    "code": code,
                    "len": len(code),
                }
            return None
        if not STREET_CODE.match(code):
            return str(
                _(
                    "街巷编码应以所属街道的9位数字编码开头，后接字母或数字（如 110199001S001），实际为「%(code)s」"
                )
            ) % {"code": code}
        return None

    def parent_code(self, code: str) -> str | None:
        return code[: self.parent_digits] if self.parent_digits else None


STREET_CODE = re.compile(r"^\d{9}[0-9A-Za-z_-]{1,23}$")

LEVELS: dict[str, Level] = {
    "district": Level("district", _("区"), 6, None, None, POLYGONAL, False),
    "subdistrict": Level("subdistrict", _("街道"), 9, "district", 6, POLYGONAL, False),
    "community": Level("community", _("社区"), 12, "subdistrict", 9, POLYGONAL, False),
    "grid": Level("grid", _("网格"), 15, "community", 12, POLYGONAL, True),
    "street": Level("street", _("街巷"), None, "subdistrict", 9, LINEAR_OR_POLYGONAL, True),
}
LEVEL_NAMES = tuple(LEVELS)

STREET_KINDS = {
    "street": "street",
    "alley": "alley",
    "hutong": "hutong",
    "街": "street",
    "巷": "alley",
    "胡同": "hutong",
    "": "alley",
}


def get_level(name: str) -> Level:
    from jingzhi.core.errors import InvalidInput

    try:
        return LEVELS[name]
    except KeyError:
        raise InvalidInput(
            str(_("层级「%(name)s」无效，应为 district、subdistrict、community、grid 或 street 之一"))
            % {"name": name},
            fields={"level": name},
        ) from None
