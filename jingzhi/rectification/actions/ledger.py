"""The street ledger (台账) and the public responsibility board (责任公示牌)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock
from jingzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from jingzhi.core.ids import parse_id
from jingzhi.core.text import listing
from jingzhi.core.types import Actor, RowId
from jingzhi.rectification import permissions
from jingzhi.rectification.models import (
    LedgerEntry,
    LedgerKind,
    StreetRecord,
)
from jingzhi.rectification.verbs import AuditVerb

from ._common import _date, _record, _street, _text, _user


def do_record_ledger_entry(
    *, actor: Actor, street_code: str, kind: str, label: str, quantity=1, note: str = ""
) -> LedgerEntry:
    street = _street(street_code)
    if actor is not None and not permissions.can_keep_ledger(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷的街巷长、小巷管家或管理员可以记台账"), fields={"street": street.code}
        )
    if kind not in LedgerKind.values:
        raise InvalidInput(_("台账类别“%(k)s”无效") % {"k": kind}, fields={"kind": "invalid"})
    label = _text(label, 100)
    if not label:
        raise InvalidInput(_("请填写台账名称"), fields={"label": "required"})
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise InvalidInput(_("数量应为整数"), fields={"quantity": "invalid"}) from None
    if quantity < 0:
        raise InvalidInput(_("数量不能为负数"), fields={"quantity": "invalid"})
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            street_code=street.code,
            kind=kind,
            label=label,
            quantity=quantity,
            note=_text(note, 300),
            recorded_by=_user(actor),
        )
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.LEDGER_RECORDED,
            target=entry,
            new={"street": street.code, "kind": kind, "label": label, "quantity": quantity},
        )
    return entry


def do_retire_ledger_entry(*, actor: Actor, entry_id: RowId, note: str = "") -> LedgerEntry:
    with transaction.atomic():
        entry = LedgerEntry.objects.select_for_update().filter(pk=parse_id(entry_id)).first()
        if entry is None or (actor is not None and not permissions.can_keep_ledger(actor, entry.street_code)):
            raise NotFound(_("台账条目不存在，或您无权修改（编号 %(id)s）") % {"id": entry_id})
        if entry.is_current:
            entry.is_current = False
            entry.save(update_fields=["is_current"])
            audit.record(
                actor=_user(actor),
                verb=AuditVerb.LEDGER_RETIRED,
                target=entry,
                old={"is_current": True},
                new={"is_current": False},
                note=_text(note, 200),
            )
    return entry


BOARD_FIELDS = (
    "property_company",
    "property_phone",
    "chief_public_phone",
    "supervision_phone",
    "target_date",
    "board_note",
)


def do_update_board(*, actor: Actor, street_code: str, **values) -> StreetRecord:
    """The facts printed on the responsibility board. Only phone numbers entered here are published."""
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以修改责任公示牌"), fields={"street": street.code}
        )
    unknown = sorted(set(values) - set(BOARD_FIELDS))
    if unknown:
        raise InvalidInput(
            _("公示牌没有这些栏目：%(f)s") % {"f": listing(unknown)}, fields={f: "unknown" for f in unknown}
        )
    with transaction.atomic():
        record = _record(street.code, street.name)
        old, new = {}, {}
        for name, value in values.items():
            if name == "target_date":
                value = _date(value, name, _("整治目标日期")) if value not in (None, "") else None
            else:
                value = _text(value, StreetRecord._meta.get_field(name).max_length)
            if getattr(record, name) != value:
                old[name], new[name] = getattr(record, name), value
                setattr(record, name, value)
        if new:
            record.updated_at = clock.now()
            record.save()
            audit.record(actor=_user(actor), verb=AuditVerb.BOARD_UPDATED, target=record, old=old, new=new)
    return record
