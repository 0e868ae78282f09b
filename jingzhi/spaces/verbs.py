"""Audit verbs of `spaces`: stored in audit rows (and hashed into the chain), so never renamed or reused."""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    SPACE_REGISTERED = "spaces.space_registered"
    SPACE_EDITED = "spaces.space_edited"
    SPACE_TRANSITIONED = "spaces.space_transitioned"
    SAFETY_RECORDED = "spaces.safety_recorded"
    RECHECK_RECORDED = "spaces.recheck_recorded"
    LEDGER_IMPORTED = "spaces.ledger_imported"
    POINTS_IMPORTED = "spaces.points_imported"
    NETWORK_IMPORTED = "spaces.network_imported"
    RECHECK_RULE_SET = "spaces.recheck_rule_set"
    USE_SAVED = "spaces.use_saved"
    SERVICE_KIND_SAVED = "spaces.service_kind_saved"
    POPULATION_SET = "spaces.population_set"
    MERCHANT_ADDED = "spaces.merchant_added"
    SUPPORT_UPDATED = "spaces.support_updated"
    FOLLOW_UP_ADDED = "spaces.follow_up_added"
    MERCHANT_CLOSED = "spaces.merchant_closed"
    LIVELIHOOD_RECORDED = "spaces.livelihood_recorded"
    COVERAGE_RECORDED = "spaces.coverage_recorded"
