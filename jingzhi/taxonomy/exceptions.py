"""Errors of the taxonomy app, each an ApplicationError with a Chinese message a person can act on."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.core.errors import InvalidInput
from jingzhi.core.tabular import TableProblems


class UnknownCategory(InvalidInput):
    """A category that does not exist or is switched off. Callers (case intake, imports) treat it as bad
    input: the person chose or typed something the list does not offer."""

    code = "unknown_category"

    def __init__(self, message: str | None = None, *, fields: dict | None = None):
        super().__init__(message or _("案件分类不存在或已停用"), fields=fields or {"category": "unknown"})


class TaxonomyImportError(TableProblems):
    """An Excel import with problems. `problems` lists every one (sheet, row number, why); nothing was
    written. The shared `core.tabular.TableProblems` with this app's stable code."""

    code = "taxonomy_import"
