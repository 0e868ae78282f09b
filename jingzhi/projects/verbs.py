"""Audit verbs of `projects`: the values are stored in audit rows (and hashed into the chain), so a value is
never renamed or reused; a new kind of change gets a new member. Every `audit.record` takes one of these.
"""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    KIND_SAVED = "projects.kind_saved"
    REGISTER_IMPORTED = "projects.register_imported"
    PROJECT_CREATED = "projects.project_created"
    PROJECT_TRANSITION = "projects.project_transition"
    COSIGNED = "projects.cosigned"
    MEETING_RECORDED = "projects.meeting_recorded"
    MINUTES_CONFIRMED = "projects.minutes_confirmed"
    ROUND_OPENED = "projects.round_opened"
    ROUND_CLOSED = "projects.round_closed"
    BALLOT_CAST = "projects.ballot_cast"
    OBJECTION_RAISED = "projects.objection_raised"
    OBJECTION_ANSWERED = "projects.objection_answered"
    DELIVERY_RECORDED = "projects.delivery_recorded"
    MILESTONE_RECORDED = "projects.milestone_recorded"
    RATED = "projects.rated"
    DRIVE_RULE_SAVED = "projects.drive_rule_saved"
