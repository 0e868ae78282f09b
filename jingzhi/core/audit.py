"""The audit log: one append-only row per domain change, hash-chained.

`record(...)` is called by every `do_*` action inside its transaction, so the change and its audit row
commit together or not at all. The chain is serialised: on PostgreSQL by a transaction-scoped advisory lock,
on SQLite by its single writer (transactions here are IMMEDIATE).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from jingzhi.core import clock
from jingzhi.core.audit_verbs import AuditVerb
from jingzhi.core.models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x6A7A6175  # "jzau": one advisory lock for the chain


def _canonical(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False))


def row_hash(
    prev_hash: str,
    *,
    created_at,
    actor_id,
    actor_label,
    verb,
    target_type,
    target_id,
    old_values,
    new_values,
    note,
) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": created_at.astimezone(UTC).isoformat(),
            "actor": actor_id,
            "actor_label": actor_label,
            "verb": verb,
            "type": target_type,
            "id": str(target_id),
            "old": old_values,
            "new": new_values,
            "note": note,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def target_label(target: Any) -> tuple[str, str]:
    """(type, id) for a model instance, or a (type, id) pair given as is."""
    if isinstance(target, tuple):
        return str(target[0]), str(target[1])
    return target._meta.label_lower, str(target.pk)


def record(
    *, actor, verb: str, target: Any, old: dict | None = None, new: dict | None = None, note: str = ""
) -> AuditEvent:
    """Append one audit row. Must run inside the action's transaction. `verb` is a member of an app's
    `AuditVerb` (see `core.audit_verbs`): a loose string is a programming error, refused here."""
    if not isinstance(verb, AuditVerb):
        raise TypeError(f"audit verbs are AuditVerb members, not {verb!r} (see jingzhi/core/audit_verbs.py)")
    verb = str(verb)
    target_type, target_id = target_label(target)
    old_values = _canonical(old or {})
    new_values = _canonical(new or {})
    actor_id = getattr(actor, "pk", None)
    # The label is stored (and hashed) as the column holds it, so cut it to the column's width first.
    actor_label = (str(actor) if actor is not None else "system")[:150]
    # No savepoint of its own: inside an action a failure here must fail the action's transaction anyway.
    with transaction.atomic(savepoint=False):
        prev_hash = _chain_head() or GENESIS
        created_at = clock.now()
        digest = row_hash(
            prev_hash,
            created_at=created_at,
            actor_id=actor_id,
            actor_label=actor_label,
            verb=verb,
            target_type=target_type,
            target_id=target_id,
            old_values=old_values,
            new_values=new_values,
            note=note,
        )
        return AuditEvent.objects.create(
            created_at=created_at,
            actor_id=actor_id,
            actor_label=actor_label,
            verb=verb,
            target_type=target_type,
            target_id=target_id,
            old_values=old_values,
            new_values=new_values,
            note=note,
            prev_hash=prev_hash,
            hash=digest,
        )


def _chain_head() -> str | None:
    """The newest hash, with the chain locked until commit. PostgreSQL: lock and read in one round trip
    (`core_audit_chain_head`, migration 0004). SQLite: the transaction's write lock serialises appends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT core_audit_chain_head(%s)", [_LOCK_KEY])
            return cursor.fetchone()[0]
    return AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()


def verify() -> AuditEvent | None:
    """Walk the chain from the start; return the first row that does not fit, or None when all fit."""
    prev_hash = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        expected = row_hash(
            prev_hash,
            created_at=event.created_at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            verb=event.verb,
            target_type=event.target_type,
            target_id=event.target_id,
            old_values=event.old_values,
            new_values=event.new_values,
            note=event.note,
        )
        if event.prev_hash != prev_hash or event.hash != expected:
            return event
        prev_hash = event.hash
    return None
