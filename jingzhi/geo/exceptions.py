"""Errors of the geo app, each with a Chinese message a person can act on.

An import is all or nothing, and a person fixing a boundary file wants every problem at once, not one per
attempt: `GeoImportError` therefore carries the full list in `.problems` (also in `.fields["problems"]`, so
the API's `{code, message, fields}` body shows them).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from jingzhi.core.errors import InvalidInput
from jingzhi.core.tabular import TableProblems


class GeoImportError(TableProblems):
    """The shared `core.tabular.TableProblems` with geo's stable code; the message names the first problem
    (the admin page and the command list them all)."""

    code = "geo_import_failed"
    headline = gettext_lazy("导入失败：发现 %(n)d 个问题，未导入任何数据：")
    shown = 1


class InvalidCoordinates(InvalidInput):
    code = "invalid_coordinates"
    default_message = gettext_lazy("坐标无效")
