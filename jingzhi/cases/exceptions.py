"""Errors of the cases app, each an ApplicationError with a Chinese message a person can act on."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhi.core.errors import Conflict, InvalidInput, PermissionDenied
from jingzhi.core.tabular import TableProblems


class ActionNotAllowed(PermissionDenied):
    """The action is not in the table for this state, or not for this person's roles on this case.
    `allowed` lists the actions that are (as action names); the message names them in Chinese."""

    code = "action_not_allowed"

    def __init__(self, message: str, *, allowed: list[str], reason: str = "state"):
        self.allowed = list(allowed)
        self.reason = reason
        super().__init__(message, fields={"allowed_actions": self.allowed, "refused_because": reason})


class StaleCase(Conflict):
    code = "stale_case"

    def __init__(self, *, expected: int, actual: int):
        super().__init__(
            _("该案件已被他人处理，请刷新后重试"), fields={"expected_version": expected, "version": actual}
        )


class IdempotencyConflict(InvalidInput):
    """The Idempotency-Key was used before for a different report: answering the first case would hide
    that this report was not filed, and filing it would break the key's promise."""

    code = "idempotency_conflict"
    status = 422

    def __init__(self, *, key: str):
        super().__init__(
            _(
                "幂等键“%(key)s”已用于您另一份内容不同的上报；新的上报请使用新的幂等键，重试请发送与原来相同的内容"
            )
            % {"key": key},
            fields={"idempotency_key": [_("已用于内容不同的另一份上报")]},
        )


class OutsideJurisdiction(InvalidInput):
    code = "outside_jurisdiction"


class HotlineImportError(TableProblems):
    """A hotline file with problems: `problems` lists each (row number, why); nothing was imported.
    The shared `core.tabular.TableProblems` with this app's stable code and headline."""

    code = "hotline_import"
    headline = gettext_lazy("导入失败，共 %(n)d 处问题，未导入任何工单：")
