"""Audit verbs of `assessment`: stored in audit rows (and hashed into the chain), so never renamed or reused."""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    MONTH_FILLED = "assessment.month_filled"
    WEIGHTS_SET = "assessment.weights_set"
