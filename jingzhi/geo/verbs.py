"""Audit verbs of `geo`: the values are stored in audit rows (and hashed into the chain), so a value is
never renamed or reused; a new kind of change gets a new member. Every `audit.record` takes one of these.
"""

from __future__ import annotations

from jingzhi.core.audit_verbs import AuditVerb as _Base


class AuditVerb(_Base):
    ACTIVATE_GENERATION = "geo.activate_generation"
    CREATE_GENERATION = "geo.create_generation"
    DELETE_GENERATION = "geo.delete_generation"
    IMPORT_PLACES = "geo.import_places"
