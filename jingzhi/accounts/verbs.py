"""Audit verbs of `accounts`: the values are stored in audit rows (and hashed into the chain), so a value is
never renamed or reused; a new kind of change gets a new member. Every `audit.record` takes one of these.
"""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    ACCOUNT_LOCKED = "account_locked"
    API_TOKEN_CREATED = "api_token_created"
    API_TOKEN_REVOKED = "api_token_revoked"
    DEPARTMENT_CREATED = "department_created"
    PASSWORD_SET = "password_set"
    ROLE_ASSIGNED = "role_assigned"
    ROLE_ASSIGNMENT_CHANGED = "role_assignment_changed"
    ROLE_REVOKED = "role_revoked"
    USER_ACTIVE_SET = "user_active_set"
    USER_CHANGED = "user_changed"
    USER_CREATED = "user_created"
    ADMIN_CREATED = "admin.created"
    ADMIN_CHANGED = "admin.changed"
    ADMIN_DELETED = "admin.deleted"
    LOGIN_CODE_SENT = "login_code_sent"
    LOGIN_CODE_FAILED = "login_code_failed"
    LOGIN_BY_CODE = "login_by_code"
