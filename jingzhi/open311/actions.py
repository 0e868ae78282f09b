"""The only code that writes the Open311 tables: issuing and revoking client keys, and filing a request.

Filing goes through `cases.actions.do_open_case` like every other report (source "open311"): the case is
located, classified by the service's category, put on the verification clock, and appears in the staff
queues like any other; it is routed by the responsibility list when it is dispatched. Around it this module
records what GeoReport v2 adds (`Open311Request`) in the same transaction, with one audit row naming the
client. A client's key is random, shown once, and stored as its SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.cases.actions import do_open_case
from jingzhi.cases.models import Source
from jingzhi.core import audit, clock
from jingzhi.core.audit_verbs import AuditVerb
from jingzhi.core.errors import InvalidInput, NotFound
from jingzhi.core.types import Actor
from jingzhi.open311.models import Open311Client, Open311Request

KEY_PREFIX = "o311_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8
TOUCH_SECONDS = 60


class Verb(AuditVerb):
    """Audit verbs of this module; stored in rows, so never rename a value."""

    KEY_CREATED = "open311.key_created"
    KEY_REVOKED = "open311.key_revoked"
    REQUEST_FILED = "open311.request_filed"


def hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8")).hexdigest()


def new_key() -> tuple[str, str, str]:
    """(raw key, its prefix, its digest)."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    return raw, raw[:PREFIX_LENGTH], hash_key(raw)


def do_create_client(
    *, actor: Actor, name: str, rate_limit_per_minute: int | None = None
) -> tuple[Open311Client, str]:
    """A client application and its key — the only time the raw key exists on our side."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(
            _("客户端名称不能为空，请写明是哪个应用（如“城市随手拍 App”）"), fields={"name": "required"}
        )
    if len(name) > 100:
        raise InvalidInput(_("客户端名称最长 100 个字符"), fields={"name": "too_long"})
    if rate_limit_per_minute is not None and rate_limit_per_minute < 0:
        raise InvalidInput(_("每分钟提交上限不能为负数"), fields={"rate_limit_per_minute": "invalid"})
    raw, prefix, digest = new_key()
    with transaction.atomic():
        client = Open311Client.objects.create(
            name=name,
            key_prefix=prefix,
            key_hash=digest,
            rate_limit_per_minute=rate_limit_per_minute,
            created_at=clock.now(),
        )
        audit.record(
            actor=actor,
            verb=Verb.KEY_CREATED,
            target=client,
            new={"name": name, "key_prefix": prefix, "rate_limit_per_minute": rate_limit_per_minute},
        )
    return client, raw


def do_revoke_client(*, actor: Actor, prefix: str) -> Open311Client:
    """Revoke the key starting with `prefix` (as listed in the admin); revoking twice changes nothing."""
    prefix = (prefix or "").strip()
    with transaction.atomic():
        matches = list(Open311Client.objects.select_for_update().filter(key_prefix=prefix[:PREFIX_LENGTH]))
        matches = [c for c in matches if prefix.startswith(c.key_prefix) or c.key_prefix.startswith(prefix)]
        if not prefix or not matches:
            raise NotFound(
                _("没有以“%(prefix)s”开头的 Open311 密钥") % {"prefix": prefix}, fields={"prefix": prefix}
            )
        client = matches[0]
        if client.revoked_at is not None and not client.is_active:
            return client
        old = {"is_active": client.is_active, "revoked_at": None}
        client.revoked_at = client.revoked_at or clock.now()
        client.is_active = False
        client.save(update_fields=["revoked_at", "is_active"])
        audit.record(
            actor=actor,
            verb=Verb.KEY_REVOKED,
            target=client,
            old=old,
            new={"is_active": False, "revoked_at": client.revoked_at.isoformat()},
        )
    return client


def touch_client(client: Open311Client) -> None:
    """Stamp last use at most once a minute (a busy client must not write on every request)."""
    now = clock.now()
    if client.last_used_at is not None and (now - client.last_used_at).total_seconds() < TOUCH_SECONDS:
        return
    Open311Client.objects.filter(pk=client.pk).update(last_used_at=now)
    client.last_used_at = now


@dataclass
class Submission:
    """A parsed, checked POST requests: what `do_submit_request` needs (views build it; no rules here)."""

    category: object
    service_code: str
    description: str
    lon: float
    lat: float
    crs: str = "wgs84"
    address: str = ""
    address_id: str = ""
    attributes: dict = field(default_factory=dict)
    media_url: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media: list = field(default_factory=list)
    client_ip: str = ""  # the client's address, for the per-address reporting limit in do_open_case


def do_submit_request(*, client: Open311Client, submission: Submission) -> Open311Request:
    """File the request as a case (source open311) and keep the GeoReport v2 extras beside it."""
    from jingzhi.open311.services import FILING_CONDITION

    s = submission
    with transaction.atomic():
        case = do_open_case(
            actor=None,
            source=Source.OPEN311,
            description=s.description,
            lon=s.lon,
            lat=s.lat,
            crs=s.crs,
            address=s.address,
            category=s.category,
            filing_condition=s.attributes.get(FILING_CONDITION),
            reporter_name=s.reporter_name,
            reporter_phone=s.reporter_phone,
            photos=s.media,
            client_ip=s.client_ip,
        )
        request = Open311Request.objects.create(
            case=case,
            client=client,
            token=uuid.uuid4().hex,
            service_code=s.service_code,
            media_url=s.media_url,
            attributes=s.attributes,
            coordinate_system=s.crs,
            address_id=s.address_id[:64],
            device_id=s.device_id[:100],
            account_id=s.account_id[:100],
            contact_email=s.email,
            created_at=clock.now(),
        )
        # No contact data in the audit row: the case already holds the reporter, behind its permissions.
        audit.record(
            actor=None,
            verb=Verb.REQUEST_FILED,
            target=request,
            new={
                "client": client.pk,
                "case": case.pk,
                "number": case.number,
                "service_code": s.service_code,
                "media": len(s.media),
            },
            note=_("Open311 客户端“%(name)s”提交") % {"name": client.name},
        )
    return request
