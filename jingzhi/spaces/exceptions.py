"""Errors of 腾退空间, each with a Chinese message a person can act on (interfaces answer them as 4xx)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from jingzhi.core.errors import InvalidInput
from jingzhi.core.tabular import TableProblems


class TransitionRefused(InvalidInput):
    """The transition table or a guard forbids the change; `details["allowed"]` lists the states allowed."""

    code = "transition_not_allowed"
    default_message = gettext_lazy("不允许的状态变更")


class SafetyRecordRequired(TransitionRefused):
    code = "safety_required"


class OutsideEveryGrid(InvalidInput):
    code = "outside_jurisdiction"
    default_message = gettext_lazy("该位置不在任何网格内")


class LedgerImportError(TableProblems):
    code = "import_problems"
    headline = gettext_lazy("台账导入失败，共 %(n)d 处问题，未导入任何数据：")


class PointImportError(TableProblems):
    code = "import_problems"
    headline = gettext_lazy("便民网点导入失败，共 %(n)d 处问题，未导入任何数据：")


class NetworkImportError(InvalidInput):
    code = "network_invalid"
    default_message = gettext_lazy("路网文件无法读取")
