"""Errors of the duties app, each an ApplicationError with a Chinese message a person can act on.

`RoutingConflict` is raised by the pure rule engine when the most specific rules for a case disagree;
`DutyImportError` carries every problem of a rejected Excel file (nothing was written).
"""

from __future__ import annotations

from jingzhi.core.errors import ApplicationError
from jingzhi.core.tabular import TableProblems


class RoutingConflict(ApplicationError):
    """Two or more equally specific rules name different departments. Nobody may guess which is meant:
    the dispatcher routes by hand and an administrator fixes the list (the coverage report shows it)."""

    code = "routing_conflict"
    status = 409

    def __init__(self, message: str, *, rules):
        self.rules = tuple(rules)
        super().__init__(message, fields={"rules": [rule.id for rule in self.rules]})


class DutyImportError(TableProblems):
    """An Excel import with problems. `problems` lists every one (row number, why); nothing was written.
    The shared `core.tabular.TableProblems` with this app's stable code."""

    code = "duty_import"
