"""Errors of the duties app, each an ApplicationError with a Chinese message a person can act on.

`RoutingConflict` is raised by the pure rule engine when the most specific rules for a case disagree;
`DutyImportError` carries every problem of a rejected Excel file (nothing was written).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.core.errors import ApplicationError, InvalidInput


class RoutingConflict(ApplicationError):
    """Two or more equally specific rules name different departments. Nobody may guess which is meant:
    the dispatcher routes by hand and an administrator fixes the list (the coverage report shows it)."""

    code = "routing_conflict"
    status = 409

    def __init__(self, message: str, *, rules):
        self.rules = tuple(rules)
        super().__init__(message, fields={"rules": [rule.id for rule in self.rules]})


class DutyImportError(InvalidInput):
    """An Excel import with problems. `problems` lists every one (row number, why); nothing was written."""

    code = "duty_import"

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        message = _("导入失败，共 %(n)d 处问题，未写入任何数据：") % {"n": len(self.problems)} + "；".join(
            shown
        )
        if more > 0:
            message += _("……（另有 %(n)d 处）") % {"n": more}
        super().__init__(message, fields={"problems": self.problems})
