"""Audit verbs of `assessment`: stored in audit rows (and hashed into the chain), so never renamed or reused."""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    MONTH_FILLED = "assessment.month_filled"
    WEIGHTS_SET = "assessment.weights_set"
    PROBLEMS_COUNTED = "assessment.problems_counted"
    TOPIC_RULE_SET = "assessment.topic_rule_set"
    TOPIC_CONFIRMED = "assessment.topic_confirmed"
    TOPIC_DISMISSED = "assessment.topic_dismissed"
    FOCUS_RULE_SET = "assessment.focus_rule_set"
    FOCUS_COMPUTED = "assessment.focus_computed"
    PLAN_ITEM_ADDED = "assessment.plan_item_added"
    PLAN_ITEM_CHANGED = "assessment.plan_item_changed"
    PLAN_NOTE_ADDED = "assessment.plan_note_added"
