"""The audit log: one append-only row per domain change, chained by HMAC, anchored outside the database.

`record(...)` is called by every `do_*` action inside its transaction, so the change and its audit row
commit together or not at all. The chain is serialised: on PostgreSQL by a transaction-scoped advisory lock,
on SQLite by its single writer (transactions here are IMMEDIATE).

Each row's hash covers the previous row's hash and its own content. It is an HMAC-SHA256
under a key that lives outside the database (`JINGZHI_AUDIT_KEY` / `JINGZHI_AUDIT_KEY_FILE`; generated into
var/ in the embedded profile), and the row names the key (`key_id`, a digest of the key, never the key), so
after a rotation old rows verify with the keys listed in `JINGZHI_AUDIT_OLD_KEYS`. Someone who can write the
database but does not hold the key can no longer edit a row and recompute the hashes after it. Rows written
before keys (`key_id` ""), the "v1" rows, keep their plain SHA-256 and verify as they always did; once a keyed
row appears, every later row must be keyed, so a rewrite cannot fall back to v1.

A chain alone cannot see its newest rows deleted. `anchor()` writes the head (sequence, hash, time) as an
HMAC-signed JSON line into `JINGZHI_AUDIT_ANCHOR_DIR` and to the `jingzhi.audit.anchor` logger (for the
operator's log system); `check()` walks the chain against the latest anchor and names truncation (the
anchored row is gone or the head is before it) and rewriting (a hash that is not what the key says), with
the first bad row.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils.translation import gettext as _

from jingzhi.core import clock, rows
from jingzhi.core.audit_verbs import AuditVerb
from jingzhi.core.models import AuditEvent

GENESIS = "0" * 64
_LOCK_KEY = 0x6A7A6175  # "jzau": one advisory lock for the chain
V1 = ""  # key_id of rows sealed before keys: a plain SHA-256
ANCHOR_FILE = "anchors.jsonl"
anchor_logger = logging.getLogger("jingzhi.audit.anchor")


# ---------------------------------------------------------------------------------------------------------
# Keys


def key_id_of(key: str) -> str:
    """A short public name for a key: the first 12 hex digits of SHA-256 over "jingzhi-audit-key:" + key.
    Derived, so operators configure keys only, and a key id says nothing usable about the key."""
    return hashlib.sha256(f"jingzhi-audit-key:{key}".encode()).hexdigest()[:12]


def current_key() -> tuple[str, bytes] | None:
    """(key id, key bytes) that seals new rows and anchors, or None when no key is configured."""
    key = str(getattr(settings, "JINGZHI_AUDIT_KEY", "") or "").strip()
    return (key_id_of(key), key.encode("utf-8")) if key else None


def keyring() -> dict[str, bytes]:
    """Every key that may have sealed a row: the current one and `JINGZHI_AUDIT_OLD_KEYS`, by key id."""
    ring: dict[str, bytes] = {}
    for key in list(getattr(settings, "JINGZHI_AUDIT_OLD_KEYS", []) or []):
        key = str(key).strip()
        if key:
            ring[key_id_of(key)] = key.encode("utf-8")
    current = current_key()
    if current:
        ring[current[0]] = current[1]
    return ring


def _canonical(value: Any) -> Any:
    """The value as it reads back from JSON (keys sorted): what is stored and hashed."""
    plain = _plain(value)
    if plain is not _NOT_PLAIN:
        return plain
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False))


_NOT_PLAIN = object()


def _plain(value: Any) -> Any:
    """`_canonical` without the JSON round trip for the common shapes (dicts with text keys, lists, text,
    whole numbers, booleans, None), which read back as they are; _NOT_PLAIN for anything else."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if isinstance(value, str):  # a text choice (Source.HOTLINE): JSON keeps its text
        return str.__str__(value)
    if kind is dict:
        out = {}
        for key in sorted(value):
            if type(key) is not str:
                return _NOT_PLAIN
            item = _plain(value[key])
            if item is _NOT_PLAIN:
                return _NOT_PLAIN
            out[key] = item
        return out
    if kind is list:
        items = [_plain(item) for item in value]
        return _NOT_PLAIN if any(item is _NOT_PLAIN for item in items) else items
    return _NOT_PLAIN


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
    key_id: str = V1,
    key: bytes | None = None,
) -> str:
    """The row's seal: SHA-256 of the canonical payload for a v1 row; HMAC-SHA256 under `key` (whose id is
    part of the payload, so a row cannot be relabelled with another key) for a keyed one."""
    fields = {
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
    }
    if key_id != V1:
        fields["key"] = key_id
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if key_id == V1:
        return hashlib.sha256(payload).hexdigest()
    if key is None:
        raise ValueError(f"no key for key id {key_id}")
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def target_label(target: Any) -> tuple[str, str]:
    """(type, id) for a model instance, or a (type, id) pair given as is."""
    if isinstance(target, tuple):
        return str(target[0]), str(target[1])
    return target._meta.label_lower, str(target.pk)


def _seal(prev_hash: str, created_at, key_id: str, key, *, actor, verb, target, old, new, note) -> dict:
    """An audit row's column values (by attname) for `record`'s arguments, sealed onto `prev_hash`: the one
    rule both writers use."""
    if not isinstance(verb, AuditVerb):
        raise TypeError(f"audit verbs are AuditVerb members, not {verb!r} (see jingzhi/core/audit_verbs.py)")
    target_type, target_id = target_label(target)
    fields = {
        "created_at": created_at,
        "actor_id": getattr(actor, "pk", None),
        # The label is stored (and hashed) as the column holds it, so cut it to the column's width first.
        "actor_label": (str(actor) if actor is not None else "system")[:150],
        "verb": str(verb),
        "target_type": target_type,
        "target_id": target_id,
        "old_values": _canonical(old or {}),
        "new_values": _canonical(new or {}),
        "note": note,
    }
    digest = row_hash(prev_hash, **fields, key_id=key_id, key=key)
    return {**fields, "prev_hash": prev_hash, "hash": digest, "key_id": key_id}


def _sealed(
    prev_hash: str, created_at, key_id: str, key, *, actor, verb, target, old, new, note
) -> AuditEvent:
    """An unsaved audit row for `record`'s arguments, sealed onto `prev_hash`."""
    return AuditEvent(
        **_seal(
            prev_hash,
            created_at,
            key_id,
            key,
            actor=actor,
            verb=verb,
            target=target,
            old=old,
            new=new,
            note=note,
        )
    )


_READ = object()


def record(
    *,
    actor,
    verb: str,
    target: Any,
    old: dict | None = None,
    new: dict | None = None,
    note: str = "",
    head: Any = _READ,
) -> AuditEvent:
    """Append one audit row. Must run inside the action's transaction. `verb` is a member of an app's
    `AuditVerb` (see `core.audit_verbs`): a loose string is a programming error, refused here. `head` is
    the chain's head as the statement just before read it with `head_returning()` (the lock taken);
    by default `record` takes the lock and reads the head itself."""
    if not isinstance(verb, AuditVerb):
        raise TypeError(f"audit verbs are AuditVerb members, not {verb!r} (see jingzhi/core/audit_verbs.py)")
    # No savepoint of its own: inside an action a failure here must fail the action's transaction anyway.
    sealing = current_key()
    key_id, key = sealing if sealing else (V1, None)
    with transaction.atomic(savepoint=False):
        row = _sealed(
            (_chain_head() if head is _READ else head) or GENESIS,
            clock.now(),
            key_id,
            key,
            actor=actor,
            verb=verb,
            target=target,
            old=old,
            new=new,
            note=note,
        )
        rows.insert(row)
        return row


_ROW_FIELDS = (
    "created_at",
    "actor_id",
    "actor_label",
    "verb",
    "target_type",
    "target_id",
    "old_values",
    "new_values",
    "note",
    "prev_hash",
    "hash",
    "key_id",
)


def record_many(entries: Iterable[dict]) -> int:
    """Append many audit rows at once, in order: each entry holds `record`'s keyword arguments (actor, verb,
    target, old, new, note). The chain is locked once, each row is sealed onto the one before it in Python,
    and the rows go in with multi-row INSERTs (`core.rows.insert_rows`; ids in list order, so the chain walks as it
    was sealed). For bulk actions (an import of many thousand rows); must run inside the action's
    transaction. Returns the number of rows written."""
    from jingzhi.core.rows import insert_rows

    entries = iter(entries)
    first = next(entries, None)
    if first is None:
        return 0
    sealing = current_key()
    key_id, key = sealing if sealing else (V1, None)
    written = 0
    with transaction.atomic(savepoint=False):
        prev_hash = _chain_head() or GENESIS
        created_at = clock.now()

        def rows():
            nonlocal prev_hash, written
            for entry in itertools.chain((first,), entries):
                row = _seal(
                    prev_hash,
                    created_at,
                    key_id,
                    key,
                    actor=entry.get("actor"),
                    verb=entry["verb"],
                    target=entry["target"],
                    old=entry.get("old"),
                    new=entry.get("new"),
                    note=entry.get("note", ""),
                )
                prev_hash = row["hash"]
                written += 1
                yield tuple(row[name] for name in _ROW_FIELDS)

        insert_rows(AuditEvent, _ROW_FIELDS, rows(), returning=False)
    return written


def head_returning() -> tuple[str, list]:
    """A RETURNING expression (SQL, parameters) that locks the chain and reads its newest hash as
    `_chain_head` does, for the INSERT written right before `record(head=…)` in the same transaction: the
    append then costs no round trip of its own (the case timeline's event, issue 16). Nothing may append
    to the chain between that statement and `record`."""
    if connection.vendor == "postgresql":
        return f"core_audit_chain_head({rows.literal(_LOCK_KEY)})", []
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    return f"(SELECT hash FROM {table} ORDER BY id DESC LIMIT 1)", []


def _chain_head() -> str | None:
    """The newest hash, with the chain locked until commit. PostgreSQL: lock and read in one round trip
    (`core_audit_chain_head`, migration 0004). SQLite: the transaction's write lock serialises appends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT core_audit_chain_head(%s)", [_LOCK_KEY])
            return cursor.fetchone()[0]
    return AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()


# ---------------------------------------------------------------------------------------------------------
# Verifying


@dataclass(frozen=True)
class Finding:
    """One thing `check()` found wrong. `kind`: rewritten (the row's hash is not what its key gives),
    broken_link (its predecessor is not the row before it: a row was deleted or inserted before it),
    downgraded (an unkeyed row after keyed ones), unknown_key (sealed by a key not configured),
    truncated (rows up to the anchored head are gone), anchor_mismatch (the anchored row holds another hash),
    bad_anchor (a checkpoint line whose signature does not verify)."""

    kind: str
    row: AuditEvent | None
    message: str


def _expected(event: AuditEvent, prev_hash: str, key: bytes | None) -> str:
    return row_hash(
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
        key_id=event.key_id,
        key=key,
    )


def _walk_chain() -> tuple[Finding | None, int]:
    """The first row that does not fit (or None) and the number of rows walked."""
    ring = keyring()
    prev_hash, keyed_seen, count = GENESIS, False, 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        key = None
        if event.key_id == V1:
            if keyed_seen:
                return Finding(
                    "downgraded",
                    event,
                    _("记录 #%(id)s 没有密钥签名，却排在已用密钥签名的记录之后：有人用无密钥的哈希重写了链。")
                    % {"id": event.pk},
                ), count
        else:
            keyed_seen = True
            key = ring.get(event.key_id)
            if key is None:
                return Finding(
                    "unknown_key",
                    event,
                    _(
                        "记录 #%(id)s 由未配置的密钥（编号 %(key)s）签名：请把轮换前的旧密钥加入 "
                        "JINGZHI_AUDIT_OLD_KEYS；若从未有过这把密钥，该记录是伪造的。"
                    )
                    % {"id": event.pk, "key": event.key_id},
                ), count
        if event.prev_hash != prev_hash:
            return Finding(
                "broken_link",
                event,
                _("记录 #%(id)s 与前一条记录接不上：在它之前有记录被删除、插入或改写。") % {"id": event.pk},
            ), count
        if not hmac.compare_digest(event.hash, _expected(event, prev_hash, key)):
            return Finding(
                "rewritten",
                event,
                _("记录 #%(id)s 的内容与其签名不符：该记录被改写过（其后的哈希即便重算也无法伪造密钥签名）。")
                % {"id": event.pk},
            ), count
        prev_hash = event.hash
    return None, count


def verify() -> AuditEvent | None:
    """Walk the chain from the start; return the first row that does not fit, or None when all fit."""
    finding, _count = _walk_chain()
    return finding.row if finding else None


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    row_at: str
    at: str
    key: str
    sig: str

    def payload(self) -> bytes:
        fields = {"seq": self.seq, "hash": self.hash, "row_at": self.row_at, "at": self.at, "key": self.key}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def anchor_dir() -> Path:
    return Path(str(getattr(settings, "JINGZHI_AUDIT_ANCHOR_DIR", "") or "var/audit-anchors"))


class AnchorError(Exception):
    pass


def anchor(directory: Path | None = None) -> Anchor:
    """Write the chain's current head as a signed line to the anchor file and the anchor logger."""
    sealing = current_key()
    if sealing is None:
        raise AnchorError(
            _("未配置审计密钥（JINGZHI_AUDIT_KEY 或 JINGZHI_AUDIT_KEY_FILE），无法签名检查点。")
        )
    key_id, key = sealing
    head = AuditEvent.objects.order_by("-id").values("id", "hash", "created_at").first()
    seq, digest, row_at = (
        (head["id"], head["hash"], head["created_at"].astimezone(UTC).isoformat())
        if head
        else (0, GENESIS, "")
    )
    unsigned = Anchor(seq, digest, row_at, clock.now().astimezone(UTC).isoformat(), key_id, "")
    signed = Anchor(
        **{**unsigned.__dict__, "sig": hmac.new(key, unsigned.payload(), hashlib.sha256).hexdigest()}
    )
    folder = directory or anchor_dir()
    folder.mkdir(parents=True, exist_ok=True)
    line = json.dumps(signed.__dict__, sort_keys=True, separators=(",", ":"))
    with open(folder / ANCHOR_FILE, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    anchor_logger.info("audit anchor %s", line)
    return signed


def latest_anchor(directory: Path | None = None) -> tuple[Anchor | None, list[Finding]]:
    """The newest checkpoint whose signature verifies, and a finding for each newer line that does not."""
    path = (directory or anchor_dir()) / ANCHOR_FILE
    if not path.exists():
        return None, []
    ring = keyring()
    bad: list[Finding] = []
    for number, line in reversed(list(enumerate(path.read_text(encoding="utf-8").splitlines(), start=1))):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
            candidate = Anchor(
                int(fields["seq"]),
                str(fields["hash"]),
                str(fields["row_at"]),
                str(fields["at"]),
                str(fields["key"]),
                str(fields["sig"]),
            )
        except (ValueError, KeyError, TypeError):
            candidate = None
        key = ring.get(candidate.key) if candidate else None
        if (
            candidate
            and key
            and hmac.compare_digest(
                candidate.sig, hmac.new(key, candidate.payload(), hashlib.sha256).hexdigest()
            )
        ):
            return candidate, bad
        bad.append(
            Finding(
                "bad_anchor",
                None,
                _("检查点文件 %(path)s 第 %(n)d 行无法用已配置的密钥验证签名：检查点被改动过，或缺少旧密钥。")
                % {"path": path, "n": number},
            )
        )
    return None, bad


def check(directory: Path | None = None) -> tuple[list[Finding], int, Anchor | None]:
    """Verify the chain and compare it with the latest anchor: (findings, rows walked, anchor used)."""
    chain_finding, count = _walk_chain()
    findings = [chain_finding] if chain_finding else []
    checkpoint, bad = latest_anchor(directory)
    findings.extend(bad)
    if checkpoint is not None and checkpoint.seq > 0:
        row = AuditEvent.objects.filter(pk=checkpoint.seq).first()
        head_id = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        if row is None and (head_id is None or head_id < checkpoint.seq):
            findings.append(
                Finding(
                    "truncated",
                    None,
                    _(
                        "审计链被截断：检查点（%(at)s）记录的链头是 #%(seq)s，而现在最新的记录是 #%(head)s，"
                        "其后的记录已被删除。"
                    )
                    % {"at": checkpoint.at, "seq": checkpoint.seq, "head": head_id or 0},
                )
            )
        elif row is None:
            findings.append(
                Finding(
                    "truncated",
                    None,
                    _("检查点（%(at)s）记录的链头 #%(seq)s 已不存在：该记录被删除。")
                    % {"at": checkpoint.at, "seq": checkpoint.seq},
                )
            )
        elif not hmac.compare_digest(row.hash, checkpoint.hash):
            findings.append(
                Finding(
                    "anchor_mismatch",
                    row,
                    _("记录 #%(seq)s 的哈希与检查点（%(at)s）不符：链在此之前被改写。")
                    % {"seq": checkpoint.seq, "at": checkpoint.at},
                )
            )
    return findings, count, checkpoint
