"""Audit verbs of `cases`: one per action on a case's timeline (`cases.<action>`, the action names of
`workflow`). Values are stored in audit rows and hashed into the chain: never rename or reuse one.
"""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    OPEN = "cases.open"
    VERIFY_REQUEST = "cases.verify_request"
    VERIFY = "cases.verify"
    FILE = "cases.file"
    NOT_FILE = "cases.not_file"
    VOID = "cases.void"
    MERGE = "cases.merge"
    DISPATCH = "cases.dispatch"
    ACCEPT = "cases.accept"
    RETURN = "cases.return"
    REQUEST_EXTENSION = "cases.request_extension"
    APPROVE_EXTENSION = "cases.approve_extension"
    REFUSE_EXTENSION = "cases.refuse_extension"
    PARK = "cases.park"
    UNPARK = "cases.unpark"
    FEEDBACK = "cases.feedback"
    CHECK_PASS = "cases.check_pass"
    CHECK_FAIL = "cases.check_fail"
    CALLBACK = "cases.callback"
    CLOSE = "cases.close"
    RATE = "cases.rate"
    REOPEN = "cases.reopen"
    SUPERVISE = "cases.supervise"
    WHISTLE = "cases.whistle"
    FOLLOW = "cases.follow"
    MERGED_IN = "cases.merged_in"
    REPORT_IN = "cases.report_in"
    RATE_WHISTLE = "cases.rate_whistle"
    REMIND = "cases.remind"
    ESCALATE = "cases.escalate"

    @classmethod
    def for_action(cls, action: str) -> AuditVerb:
        """The verb of a timeline action (ValueError for an action without one: add a member)."""
        return cls(f"cases.{action}")
