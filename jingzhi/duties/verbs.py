"""Audit verbs of `duties`: the values are stored in audit rows (and hashed into the chain), so a value is
never renamed or reused; a new kind of change gets a new member. Every `audit.record` takes one of these.
"""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    DUTY_RULES_IMPORTED = "duty_rules_imported"
    DUTY_RULE_CREATED = "duty_rule_created"
    DUTY_RULE_UPDATED = "duty_rule_updated"
    ROUTING_GAP_FOUND = "routing_gap_found"
