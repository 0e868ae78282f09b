"""Audit verbs of `rectification`: the values are stored in audit rows (and hashed into the chain), so a value is
never renamed or reused; a new kind of change gets a new member. Every `audit.record` takes one of these.
"""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    BOARD_UPDATED = "rectification.board_updated"
    CHIEF_APPOINTED = "rectification.chief_appointed"
    CHIEF_ENDED = "rectification.chief_ended"
    GRADE_AWARDED = "rectification.grade_awarded"
    GRADE_CHANGE_SUPERSEDED = "rectification.grade_change_superseded"
    INSPECTION_RECORDED = "rectification.inspection_recorded"
    ITEM_MAPPED = "rectification.item_mapped"
    LEDGER_RECORDED = "rectification.ledger_recorded"
    LEDGER_RETIRED = "rectification.ledger_retired"
    PATROL_LOGGED = "rectification.patrol_logged"
    PLAN_CREATED = "rectification.plan_created"
    PLAN_ITEM_ADDED = "rectification.plan_item_added"
    PLAN_ITEM_UPDATED = "rectification.plan_item_updated"
    PLAN_UPDATED = "rectification.plan_updated"
    PROPOSAL_DECIDED = "rectification.proposal_decided"
    PROPOSAL_MADE = "rectification.proposal_made"
    RULE_CREATED = "rectification.rule_created"
    STANDARD_CREATED = "rectification.standard_created"
    STANDARD_LOADED = "rectification.standard_loaded"
    STEWARD_ASSIGNED = "rectification.steward_assigned"
    STEWARD_ENDED = "rectification.steward_ended"
    STREET_GRADED = "rectification.street_graded"
    TASK_LETTER_ENDED = "rectification.task_letter_ended"
    TASK_LETTER_ISSUED = "rectification.task_letter_issued"
    TASK_LETTER_SIGNED = "rectification.task_letter_signed"
    GRADE_FIRST = "rectification.grade_first"
    GRADE_DOWNGRADE = "rectification.grade_downgrade"
    GRADE_RESTORE = "rectification.grade_restore"
    GRADE_AWARD = "rectification.grade_award"
