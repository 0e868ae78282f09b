"""Errors of the geo app, each with a Chinese message a person can act on.

An import is all or nothing, and a person fixing a boundary file wants every problem at once, not one per
attempt: `GeoImportError` therefore carries the full list in `.problems` (also in `.fields["problems"]`, so
the API's `{code, message, fields}` body shows them).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core.errors import ApplicationError, InvalidInput


class GeoImportError(ApplicationError):
    code = "geo_import_failed"
    default_message = gettext_lazy("边界导入失败")

    def __init__(self, problems: list[str], message: str | None = None):
        self.problems = [str(p) for p in problems]
        if message is None:
            message = _("导入失败：发现 %(n)d 个问题，未导入任何数据。") % {"n": len(self.problems)}
            if self.problems:
                message += " " + self.problems[0]
        super().__init__(message, fields={"problems": self.problems})


class InvalidCoordinates(InvalidInput):
    code = "invalid_coordinates"
    default_message = gettext_lazy("坐标无效")
