"""Audit verbs of `councils`: the values are stored in audit rows (and hashed into the chain), so a value is
never renamed or reused; a new kind of change gets a new member."""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    COUNCIL_CREATED = "councils.council_created"
    COUNCIL_SETTINGS = "councils.council_settings"
    MEMBER_JOINED = "councils.member_joined"
    MEMBER_LEFT = "councils.member_left"
    MEMBER_ROLE_CHANGED = "councils.member_role_changed"
    UNAVAILABLE_DECLARED = "councils.unavailable_declared"
    ROSTER_GENERATED = "councils.roster_generated"
    ROSTER_PUBLISHED = "councils.roster_published"
    SWAP_REQUESTED = "councils.swap_requested"
    SWAP_DECIDED = "councils.swap_decided"
    PATROL_STARTED = "councils.patrol_started"
    PATROL_FINISHED = "councils.patrol_finished"
    FINDING_REPORTED = "councils.finding_reported"
    MEETING_RECORDED = "councils.meeting_recorded"
    MEETING_MINUTES = "councils.meeting_minutes"
    ACTION_ITEM_ADDED = "councils.action_item_added"
    ACTION_ITEM_DONE = "councils.action_item_done"
    ACTION_ITEM_CASE = "councils.action_item_case"
    PROPERTY_COMPANY_REGISTERED = "councils.property_company_registered"
    PARTY_MEMBER_REGISTERED = "councils.party_member_registered"
    TASK_PUBLISHED = "councils.task_published"
    TASK_SIGNED_UP = "councils.task_signed_up"
    TASK_CHECKED_IN = "councils.task_checked_in"
    TASK_CHECKED_OUT = "councils.task_checked_out"
