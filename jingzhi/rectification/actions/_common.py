"""Helpers shared by 十无一创建's actions: input parsing with field-named errors, street records, notices."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from jingzhi.accounts.models import User
from jingzhi.core.errors import InvalidInput
from jingzhi.rectification import permissions
from jingzhi.rectification.models import (
    InspectionKind,
    ProposalKind,
    StreetRecord,
)

logger = logging.getLogger(__name__)

OFFICIAL_KINDS = frozenset({InspectionKind.CITY_MONTHLY, InspectionKind.THIRD_PARTY})
# Where each kind of inspection comes from, as a case source (an inspector's own check is filed directly).
CASE_SOURCE = {
    InspectionKind.CITY_MONTHLY: "assessor",
    InspectionKind.THIRD_PARTY: "assessor",
    InspectionKind.CHIEF_PATROL: "street_chief",
    InspectionKind.STEWARD_PATROL: "steward",
}
DEFAULT_VERSION_CODE = "2017"
DEFAULT_RULES = [
    (2, ProposalKind.TALK, "连续两个月不达标，约谈街巷长"),
    (4, ProposalKind.TRANSFER, "连续四个月不达标，建议调离"),
    (6, ProposalKind.ACCOUNTABILITY, "连续六个月不达标，建议问责"),
]


def _user(actor):
    return actor if isinstance(actor, User) and actor.pk else None


def _text(value, limit: int | None = None) -> str:
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _decimal(value, field_name: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("%(label)s应为数字，收到“%(v)s”") % {"label": label, "v": value}, fields={field_name: "invalid"}
        ) from None
    if not number.is_finite():
        raise InvalidInput(_("%(label)s应为有限的数字") % {"label": label}, fields={field_name: "invalid"})
    return number


def _date(value, field_name: str, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise InvalidInput(
            _("%(label)s应为日期（YYYY-MM-DD），收到“%(v)s”") % {"label": label, "v": value},
            fields={field_name: "invalid"},
        ) from None


def pin_max_distance_m() -> float:
    """How far from the street a finding's pin may be (metres)."""
    return float(getattr(settings, "JINGZHI_RECTIFICATION_PIN_MAX_M", 150))


def _street(street_code: str):
    return permissions.public_street(street_code)


def _record(street_code: str, street_name: str = "") -> StreetRecord:
    record, created = StreetRecord.objects.select_for_update().get_or_create(
        street_code=street_code, defaults={"street_name": street_name or street_code}
    )
    if not created and street_name and record.street_name != street_name:
        record.street_name = street_name
        record.save(update_fields=["street_name"])
    return record


def _notify(
    recipients,
    *,
    verb: str,
    title: str | Callable[[], str],
    body: str | Callable[[], str] = "",
    link: str = "",
    target=None,
) -> None:
    from jingzhi.core.notifications import notify

    people = [u for u in dict.fromkeys(recipients) if u is not None and u.is_active]
    if people:
        notify(recipients=people, verb=verb, title=title, body=body, link=link, target=target)


def _admins_of(street_code: str) -> list[User]:
    from jingzhi.accounts.queries import users_covering

    return list(users_covering([street_code], permissions.ADMINS))
