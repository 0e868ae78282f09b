"""Errors of 民意立项, each an ApplicationError with a Chinese message a person can act on."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from jingzhi.core.errors import Conflict, PermissionDenied
from jingzhi.core.tabular import TableProblems


class ActionNotAllowed(PermissionDenied):
    """The step is not in the transition table for the project's type and state, or not for this actor."""

    code = "action_not_allowed"


class DuplicateBallot(Conflict):
    """The voting unit already has a counted ballot on another channel; `fields` names the earlier one."""

    code = "duplicate_ballot"


class NotOnRegister(PermissionDenied):
    """The person or household is not on the round's frozen register (outside the scope, or not matched)."""

    code = "not_on_register"


class VotingClosed(Conflict):
    code = "voting_closed"


class RegisterProblems(TableProblems):
    code = "register_problems"
    headline = gettext_lazy("住户登记导入失败，共 %(n)d 处问题，未导入任何住户：")
