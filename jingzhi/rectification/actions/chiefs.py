"""Street chiefs (街巷长): appointment, rank and the end of a term."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.accounts.models import User
from jingzhi.core import audit, clock
from jingzhi.core.errors import InvalidInput, NotFound, PermissionDenied
from jingzhi.core.types import Actor
from jingzhi.rectification import permissions
from jingzhi.rectification.models import (
    ChiefAssignment,
    ChiefRank,
    TaskLetter,
)
from jingzhi.rectification.queries import street_link, today
from jingzhi.rectification.verbs import AuditVerb

from ._common import _date, _notify, _record, _street, _text, _user


def do_appoint_chief(
    *, actor: Actor, street_code: str, user: User, rank: str, title: str = "", started_on=None, note: str = ""
) -> ChiefAssignment:
    """Make `user` the street's chief (ending the previous one). The user also receives the street_chief
    role on the street through accounts, which is what lets them see its cases; the previous chief's role
    on this street is revoked."""
    from jingzhi.accounts.actions import do_assign_role

    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以任命街巷长"), fields={"street": street.code}
        )
    if rank not in ChiefRank.values:
        raise InvalidInput(_("街巷长级别“%(r)s”无效") % {"r": rank}, fields={"rank": "invalid"})
    if user is None or not user.is_active:
        raise InvalidInput(_("请选择在职的用户担任街巷长"), fields={"user": "invalid"})
    started_on = _date(started_on or today(), "started_on", _("任职日期"))
    with transaction.atomic():
        current = (
            ChiefAssignment.objects.select_for_update()
            .filter(street_code=street.code, is_active=True)
            .first()
        )
        if current is not None and current.user_id == user.pk and current.rank == rank:
            return current
        if current is not None:
            _end_chief(
                current,
                actor=actor,
                reason=_("由%(u)s接任") % {"u": user.display_name or user.username},
                ended_on=started_on,
                revoke=current.user_id != user.pk,
            )
        role = do_assign_role(
            actor=None, user=user, role="street_chief", scope_kind="street", scope_code=street.code
        )
        assignment = ChiefAssignment.objects.create(
            street_code=street.code,
            user=user,
            rank=rank,
            title=_text(title, 100),
            role_assignment=role,
            started_on=started_on,
            note=_text(note, 300),
        )
        _record(street.code, street.name)
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.CHIEF_APPOINTED,
            target=assignment,
            old={"chief": current.user_id if current else None},
            new={"chief": user.pk, "rank": rank, "street": street.code},
        )
        _notify(
            [user],
            verb="chief_appointed",
            title=lambda: _("您已任%(s)s%(r)s") % {"s": street.name, "r": ChiefRank(rank).label},
            link=street_link(street.code),
            target=assignment,
        )
    return assignment


def _end_chief(assignment: ChiefAssignment, *, actor, reason: str, ended_on: date, revoke: bool) -> None:
    from jingzhi.accounts.actions import do_revoke_role

    assignment.is_active, assignment.ended_on = False, ended_on
    assignment.note = (f"{assignment.note}；{reason}" if assignment.note else reason)[:300]
    assignment.save(update_fields=["is_active", "ended_on", "note"])
    if revoke and assignment.role_assignment_id:
        do_revoke_role(actor=None, assignment=assignment.role_assignment)
    # A task letter belongs to the chief who signed it: it ends with their term.
    for letter in TaskLetter.objects.select_for_update().filter(chief=assignment, is_active=True):
        letter.is_active, letter.ended_at, letter.end_reason = False, clock.now(), _("街巷长离任")
        letter.save(update_fields=["is_active", "ended_at", "end_reason"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.TASK_LETTER_ENDED,
            target=letter,
            old={"is_active": True},
            new={"is_active": False},
            note=letter.end_reason,
        )
    audit.record(
        actor=_user(actor),
        verb=AuditVerb.CHIEF_ENDED,
        target=assignment,
        old={"is_active": True},
        new={"is_active": False, "ended_on": ended_on},
        note=reason,
    )


def do_end_chief(*, actor: Actor, street_code: str, reason: str) -> ChiefAssignment:
    street = _street(street_code)
    if actor is not None and not permissions.can_manage_street(actor, street.code):
        raise PermissionDenied(
            _("只有该街巷所在街道或区的管理员可以免去街巷长"), fields={"street": street.code}
        )
    reason = _text(reason, 200)
    if not reason:
        raise InvalidInput(_("请填写离任原因"), fields={"reason": "required"})
    with transaction.atomic():
        current = (
            ChiefAssignment.objects.select_for_update()
            .filter(street_code=street.code, is_active=True)
            .first()
        )
        if current is None:
            raise NotFound(
                _("%(s)s目前没有在任的街巷长") % {"s": street.name}, fields={"street": street.code}
            )
        _end_chief(current, actor=actor, reason=reason, ended_on=today(), revoke=True)
    return current
