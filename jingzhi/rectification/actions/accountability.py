"""Accountability proposals (约谈, 调离, 问责): proposed by the system, decided by a person, recorded."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock
from jingzhi.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from jingzhi.core.ids import parse_id
from jingzhi.core.types import Actor, RowId
from jingzhi.rectification import permissions
from jingzhi.rectification.models import (
    AccountabilityProposal,
    ProposalStatus,
)
from jingzhi.rectification.queries import street_link
from jingzhi.rectification.verbs import AuditVerb

from ._common import _notify, _text, _user


def do_decide_proposal(
    *, actor: Actor, proposal_id: RowId, accept: bool, reason: str
) -> AccountabilityProposal:
    with transaction.atomic():
        proposal = AccountabilityProposal.objects.select_for_update().filter(pk=parse_id(proposal_id)).first()
        if proposal is None or (
            actor is not None and not permissions.can_view_street(actor, proposal.street_code)
        ):
            raise NotFound(_("问责建议不存在，或不在您的辖区（编号 %(id)s）") % {"id": proposal_id})
        if actor is not None and not permissions.can_decide_proposal(actor, proposal.street_code):
            raise PermissionDenied(
                _("“%(k)s”建议须由该街巷所在街道或区的管理员决定，您无权决定")
                % {"k": proposal.get_kind_display()},
                fields={"proposal": proposal.pk},
            )
        if proposal.status != ProposalStatus.PENDING:
            raise Conflict(
                _("该建议已于 %(d)s 决定（%(s)s），不能再次决定")
                % {
                    "d": proposal.decided_at.date().isoformat() if proposal.decided_at else "",
                    "s": proposal.get_status_display(),
                },
                fields={"proposal": "decided"},
            )
        reason = _text(reason, 500)
        if not reason:
            raise InvalidInput(_("请填写采纳或不采纳的理由"), fields={"reason": "required"})
        old = proposal.status
        proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
        proposal.decided_by, proposal.decided_at, proposal.decision_reason = _user(actor), clock.now(), reason
        proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.PROPOSAL_DECIDED,
            target=proposal,
            old={"status": old},
            new={"status": proposal.status},
            note=reason,
        )
        if proposal.chief_id:
            _notify(
                [proposal.chief.user],
                verb="accountability_decided",
                title=lambda: (
                    _("%(k)s建议%(s)s")
                    % {"k": proposal.get_kind_display(), "s": proposal.get_status_display()}
                ),
                body=reason,
                link=street_link(proposal.street_code),
                target=proposal,
            )
    return proposal
