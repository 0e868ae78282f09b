"""Errors of the taxonomy app, each an ApplicationError with a Chinese message a person can act on."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.core.errors import InvalidInput


class UnknownCategory(InvalidInput):
    """A category that does not exist or is switched off. Callers (case intake, imports) treat it as bad
    input: the person chose or typed something the list does not offer."""

    code = "unknown_category"

    def __init__(self, message: str | None = None, *, fields: dict | None = None):
        super().__init__(message or _("案件分类不存在或已停用"), fields=fields or {"category": "unknown"})


class TaxonomyImportError(InvalidInput):
    """An Excel import with problems. `problems` lists every one (sheet, row number, why); nothing was
    written."""

    code = "taxonomy_import"

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
