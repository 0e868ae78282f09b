"""The base of every app's audit verbs (zulip's `AuditLogEventType` is the model).

Each app declares `class AuditVerb(jingzhi.core.audit_verbs.AuditVerb)` in its `verbs.py` with one member
per kind of change; `audit.record` refuses anything else, so a verb is never typed as a loose string, never
built from a model's or a function's name (a rename would change history), and `grep AuditVerb.X` finds
every place that records X. Values are the strings stored in audit rows and hashed into the chain: never
rename or reuse a value. Pure: no Django import.
"""

from __future__ import annotations

from enum import StrEnum


class AuditVerb(StrEnum):
    """A verb stored as its string value; subclass it per app (members only in subclasses)."""
