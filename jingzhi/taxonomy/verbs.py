"""Audit verbs of `taxonomy`: the values are stored in audit rows (and hashed into the chain), so a value is
never renamed or reused; a new kind of change gets a new member. Every `audit.record` takes one of these.
"""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    CATEGORIES_IMPORTED = "taxonomy.categories_imported"
    CATEGORY_CREATED = "taxonomy.category_created"
    CATEGORY_DEACTIVATED = "taxonomy.category_deactivated"
    CATEGORY_UPDATED = "taxonomy.category_updated"
    CLOSING_CONDITIONS_SET = "taxonomy.closing_conditions_set"
    FILING_CONDITION_CREATED = "taxonomy.filing_condition_created"
    FILING_CONDITION_UPDATED = "taxonomy.filing_condition_updated"
    STEP_LIMIT_CLEARED = "taxonomy.step_limit_cleared"
    STEP_LIMIT_SET = "taxonomy.step_limit_set"
    FILINGCONDITION_CREATED = "taxonomy.filingcondition_created"
    FILINGCONDITION_UPDATED = "taxonomy.filingcondition_updated"
    FILINGCONDITION_DELETED = "taxonomy.filingcondition_deleted"
    CLOSINGCONDITION_CREATED = "taxonomy.closingcondition_created"
    CLOSINGCONDITION_UPDATED = "taxonomy.closingcondition_updated"
    CLOSINGCONDITION_DELETED = "taxonomy.closingcondition_deleted"
    STEPLIMIT_CREATED = "taxonomy.steplimit_created"
    STEPLIMIT_UPDATED = "taxonomy.steplimit_updated"
    STEPLIMIT_DELETED = "taxonomy.steplimit_deleted"
    REQUESTTYPE_CREATED = "taxonomy.requesttype_created"
    REQUESTTYPE_UPDATED = "taxonomy.requesttype_updated"
    REQUESTTYPE_DELETED = "taxonomy.requesttype_deleted"
    URGENCY_CREATED = "taxonomy.urgency_created"
    URGENCY_UPDATED = "taxonomy.urgency_updated"
    URGENCY_DELETED = "taxonomy.urgency_deleted"
