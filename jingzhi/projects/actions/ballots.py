"""The vote: a round opens under rules frozen from the project (the register frozen with it), ballots
arrive online, at the meeting and on paper door to door, one counted per voting unit across channels, and
the round closes into publicity or rejection. A change of rules after opening is a new round; the old round
and its ballots stay on record.

One counted ballot per unit is enforced twice: the action locks the unit's register entry and applies
`workflow.ballot_refusal`, and the database's conditional unique constraint (round, unit digest, counted)
refuses a second counted row whatever slipped past — two members of one household voting at the same
instant on PostgreSQL get one counted ballot and one refusal or replacement, never two.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from fractions import Fraction

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhi.core import audit, clock
from jingzhi.core.errors import InvalidInput
from jingzhi.core.ids import parse_id
from jingzhi.projects import permissions, workflow
from jingzhi.projects.exceptions import DuplicateBallot, NotOnRegister, VotingClosed
from jingzhi.projects.models import Ballot, Household, HouseholdMember, Project, RegisterEntry, Round
from jingzhi.projects.queries import households_in_scope, round_tally
from jingzhi.projects.verbs import AuditVerb

from . import notices
from ._common import _moment, _required, _text, _user, check_step, step
from .lifecycle import publicity_window


def unit_digest(round_id: int, unit: str) -> str:
    """The keyed name of a voting unit in a round's ballots: without the site key a ballot row cannot be
    joined back to a household."""
    key = str(settings.SECRET_KEY).encode()
    return hmac.new(key, f"projects-ballot:{round_id}:{unit}".encode(), hashlib.sha256).hexdigest()


def _rules(project: Project, overrides: dict | None) -> workflow.Rules:
    data = {**(project.rules or {}), **{k: v for k, v in (overrides or {}).items() if v is not None}}
    problems = workflow.rules_problems(data)
    if problems:
        raise InvalidInput(next(iter(problems.values())), fields=problems)
    return workflow.Rules.from_data(data)


def _freeze(round_: Round, project: Project, rules: workflow.Rules) -> int:
    households = list(households_in_scope(project).order_by("pk"))
    if rules.unit == workflow.UNIT_OWNER:
        households = [h for h in households if h.is_owner]
    missing = [h.address for h in households if workflow.weight_problem(rules, h.floor_area)]
    if missing:
        raise InvalidInput(
            _("按面积加权须有每户的建筑面积，以下住户缺少：%(a)s") % {"a": "、".join(missing[:20])},
            fields={"register": "floor_area_missing"},
        )
    entries = []
    if rules.unit == workflow.UNIT_PERSON:
        members = HouseholdMember.objects.filter(household__in=households).select_related("household")
        for m in members:
            w = workflow.unit_weight(rules, group=m.household.group, floor_area=m.household.floor_area)
            entries.append(
                RegisterEntry(
                    round=round_,
                    household=m.household,
                    member=m,
                    unit=f"p{m.pk}",
                    weight=str(w),
                    group=m.household.group,
                )
            )
    else:
        for h in households:
            w = workflow.unit_weight(rules, group=h.group, floor_area=h.floor_area)
            entries.append(
                RegisterEntry(round=round_, household=h, unit=f"h{h.pk}", weight=str(w), group=h.group)
            )
    RegisterEntry.objects.bulk_create(entries)
    return len(entries)


def _open_round(
    actor, project: Project, *, question: str, closes_at, rules: workflow.Rules, reason: str = ""
) -> Round:
    number = (project.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    round_ = Round.objects.create(
        project=project,
        number=number,
        rules=rules.as_data(),
        question=question,
        closes_at=closes_at,
        reason=reason,
    )
    eligible = _freeze(round_, project, rules)
    round_.eligible_units = eligible
    round_.save(update_fields=["eligible_units"])
    problem = workflow.guard_problem(workflow.OPEN_VOTE, {"meeting_held": True, "eligible_units": eligible})
    if problem:
        raise InvalidInput(problem, fields={"register": "empty"})
    project.rules = rules.as_data()
    project.outcome = ""
    project.save(update_fields=["rules", "outcome"])
    audit.record(
        actor=_user(actor),
        verb=AuditVerb.ROUND_OPENED,
        target=round_,
        new={
            "project": project.pk,
            "number": number,
            "rules": round_.rules,
            "eligible": eligible,
            "reason": reason,
        },
    )
    notices.vote_opened(project, round_)
    return round_


def _closing(closes_at) -> object:
    closes_at = _moment(closes_at, "closes_at", _("截止时间"))
    if closes_at <= clock.now():
        raise InvalidInput(_("截止时间应晚于现在"), fields={"closes_at": "past"})
    return closes_at


def do_open_vote(*, actor, project_id, question: str, closes_at, rules: dict | None = None) -> Round:
    """Open the vote after a deliberation meeting whose minutes are confirmed: the rules (the kind's, with
    the office's changes) and the register of the scope are frozen now."""
    question = _required(question, "question", _("请填写表决事项"), 200)
    closes_at = _closing(closes_at)
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        check_step(actor, project, workflow.OPEN_VOTE)
        held = project.meetings.filter(minutes_confirmed_at__isnull=False).exists()
        problem = workflow.guard_problem(workflow.OPEN_VOTE, {"meeting_held": held, "eligible_units": 1})
        if problem:
            raise InvalidInput(problem, fields={"meeting": "required"})
        frozen = _rules(project, rules)
        round_ = _open_round(actor, project, question=question, closes_at=closes_at, rules=frozen)
        step(actor, project, workflow.OPEN_VOTE, note=question)
    return round_


def do_new_round(*, actor, project_id, rules: dict, reason: str, closes_at=None, question: str = "") -> Round:
    """A change of rules after opening: the open round is superseded (its ballots stay on record) and a new
    round opens under the new rules with the register frozen again."""
    reason = _required(reason, "reason", _("请说明改规则的原因"), 300)
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        check_step(actor, project, workflow.NEW_ROUND)
        old = Round.objects.select_for_update().get(project=project, status=Round.Status.OPEN)
        frozen = _rules(project, rules)
        if frozen.as_data() == old.rules:
            raise InvalidInput(_("规则没有变化，无需新一轮表决"), fields={"rules": "unchanged"})
        old.status = Round.Status.SUPERSEDED
        old.closed_at = clock.now()
        old.save(update_fields=["status", "closed_at"])
        round_ = _open_round(
            actor,
            project,
            question=_text(question, 200) or old.question,
            closes_at=_closing(closes_at)
            if closes_at
            else max(old.closes_at, clock.now() + timedelta(days=1)),
            rules=frozen,
            reason=reason,
        )
        step(actor, project, workflow.NEW_ROUND, note=reason)
    return round_


def _open_round_of(project: Project) -> Round:
    round_ = Round.objects.filter(project=project, status=Round.Status.OPEN).first()
    if round_ is None or project.state != workflow.VOTING:
        raise VotingClosed(_("该项目当前不在表决期"), fields={"project": project.pk})
    if clock.now() >= round_.closes_at:
        raise VotingClosed(
            _("表决已于 %(t)s 截止") % {"t": round_.closes_at.strftime("%Y-%m-%d %H:%M")},
            fields={"closes_at": round_.closes_at.isoformat()},
        )
    return round_


def do_cast_ballot(
    *,
    actor,
    project_id,
    choice: str,
    channel: str = workflow.ONLINE,
    household_id=None,
    member_id=None,
    signed_name: str = "",
) -> Ballot:
    """Record a ballot. Online: the signed-in resident's own voting unit (their household, or themselves in
    a per-person round), changeable until close. At the meeting and on paper: entered by the office for the
    household named (and the member, per person), refused when the unit already has a counted ballot —
    the message names the earlier ballot's channel and time. A signed round needs the signature name."""
    if choice not in workflow.CHOICES:
        raise InvalidInput(_("请选择完全赞同、部分赞同、反对或弃权"), fields={"choice": "invalid"})
    if channel not in workflow.CHANNELS:
        raise InvalidInput(_("投票渠道无效"), fields={"channel": "invalid"})
    with transaction.atomic():
        project = permissions.access_project(actor, project_id)
        round_ = _open_round_of(project)
        rules = workflow.Rules.from_data(round_.rules)
        if choice == workflow.PARTIAL and not rules.partial_allowed:
            raise InvalidInput(_("本轮表决不设“部分赞同”"), fields={"choice": "partial_not_allowed"})
        entries = RegisterEntry.objects.select_for_update().filter(round=round_)
        if channel == workflow.ONLINE:
            if actor is None:
                raise InvalidInput(
                    _("网上投票须由居民本人登录后进行"), fields={"channel": "online_needs_user"}
                )
            ids = permissions.household_ids_of(actor)
            entries = entries.filter(household_id__in=ids)
            if rules.unit == workflow.UNIT_PERSON:
                entries = entries.filter(member__user_id=actor.pk)
            entry = entries.select_related("household").first()
            if entry is None:
                in_scope = households_in_scope(project).filter(pk__in=ids).exists()
                raise NotOnRegister(
                    _("您不在本轮表决的冻结名册上（开启表决时登记的住户）")
                    if in_scope
                    else _("您的住户不在本项目的征求范围内，不能投票"),
                    fields={"household": "not_on_register"},
                )
        else:
            check_step(
                actor,
                project,
                workflow.BALLOT,
                kinds=permissions.actors_for(actor, project, in_scope=False)
                if actor is not None
                else {workflow.OFFICE},
            )
            household_pk = parse_id(household_id)
            household = Household.objects.filter(pk=household_pk).first() if household_pk else None
            if household is None:
                raise InvalidInput(_("请选择投票的住户"), fields={"household": "required"})
            entries = entries.filter(household=household)
            if rules.unit == workflow.UNIT_PERSON:
                entries = entries.filter(member_id=parse_id(member_id))
            entry = entries.select_related("household").first()
            if entry is None:
                raise NotOnRegister(
                    _("住户“%(a)s”不在本轮表决的冻结名册上（不在范围内，或开启表决后才登记）")
                    % {"a": household.address},
                    fields={"household": "not_on_register"},
                )
        signed_name = _text(signed_name, 64)
        if not rules.secret and channel != workflow.ONLINE and not signed_name:
            raise InvalidInput(_("本轮为签字确认表决，请填写签字人姓名"), fields={"signed_name": "required"})
        if not rules.secret and channel == workflow.ONLINE:
            signed_name = (getattr(actor, "display_name", "") or actor.username)[:64]
        digest = unit_digest(round_.pk, entry.unit)
        earlier = (
            Ballot.objects.select_for_update().filter(round=round_, unit_digest=digest, counted=True).first()
        )
        refusal = workflow.ballot_refusal(earlier.channel if earlier else None, channel)
        if refusal:
            raise DuplicateBallot(
                _("该户已于 %(t)s 通过“%(c)s”投票（第 %(id)d 号票），同一户只计一票")
                % {
                    "t": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M"),
                    "c": workflow.CHANNEL_LABELS[earlier.channel],
                    "id": earlier.pk,
                },
                fields={"household": "duplicate"},
                details={"earlier_ballot": earlier.pk, "earlier_channel": earlier.channel},
            )
        now = clock.now()
        if earlier is not None:
            earlier.counted, earlier.superseded_at = False, now
            earlier.save(update_fields=["counted", "superseded_at"])
        try:
            with transaction.atomic():
                ballot = Ballot.objects.create(
                    round=round_,
                    unit_digest=digest,
                    entry=None if rules.secret else entry,
                    choice=choice,
                    channel=channel,
                    weight=entry.weight,
                    signed_name=signed_name,
                    recorded_by=_user(actor),
                    created_at=now,
                )
        except IntegrityError:
            raise DuplicateBallot(
                _("该户的另一张选票刚刚已被记录，同一户只计一票"), fields={"household": "duplicate"}
            ) from None
        entry.voted_channel, entry.voted_at = channel, now
        entry.save(update_fields=["voted_channel", "voted_at"])
        audit.record(
            actor=_user(actor),
            verb=AuditVerb.BALLOT_CAST,
            target=round_,
            # Never the choice of a secret round, never the household: the unit's digest and the channel.
            new={"ballot": ballot.pk, "channel": channel, "replaces": earlier.pk if earlier else None},
        )
    return ballot


def do_close_vote(*, actor, project_id) -> Round:
    """Close the open round and decide: passed → publicity for the rules' period; failed → rejected. Not
    before the closing time, unless every unit on the register has voted."""
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        round_ = Round.objects.select_for_update().filter(project=project, status=Round.Status.OPEN).first()
        check_step(actor, project, workflow.CLOSE_VOTE_PASS)
        if round_ is None:
            raise VotingClosed(_("没有进行中的表决"), fields={"project": project.pk})
        everyone = not round_.register.filter(voted_at__isnull=True).exists()
        if clock.now() < round_.closes_at and not everyone:
            raise InvalidInput(
                _("表决截止时间 %(t)s 未到，且仍有住户未投票，不能提前结束")
                % {"t": timezone.localtime(round_.closes_at).strftime("%Y-%m-%d %H:%M")},
                fields={"closes_at": "not_yet"},
            )
        result = round_tally(round_)
        round_.status, round_.closed_at, round_.result = Round.Status.CLOSED, clock.now(), result.as_data()
        round_.save(update_fields=["status", "closed_at", "result"])
        project.outcome = result.outcome
        project.save(update_fields=["outcome"])
        note = str(workflow.OUTCOME_LABELS[result.outcome])
        if result.passed:
            start, end = publicity_window(workflow.Rules.from_data(round_.rules))
            project.publicity_starts, project.publicity_ends = start, end
            project.save(update_fields=["publicity_starts", "publicity_ends"])
            step(actor, project, workflow.CLOSE_VOTE_PASS, note=note)
            notices.publicity_started(project)
        else:
            step(actor, project, workflow.CLOSE_VOTE_FAIL, note=note)
        audit.record(actor=_user(actor), verb=AuditVerb.ROUND_CLOSED, target=round_, new=round_.result)
    return round_


def do_revote(*, actor, project_id, reason: str, closes_at, rules: dict | None = None) -> Round:
    """Back from publicity to a vote (an upheld objection, or the office's decision): a new round."""
    reason = _required(reason, "reason", _("请说明重新表决的原因"), 300)
    closes_at = _closing(closes_at)
    with transaction.atomic():
        project = permissions.access_project(actor, project_id, for_update=True)
        check_step(actor, project, workflow.REVOTE)
        last = project.rounds.order_by("-number").first()
        frozen = _rules(project, rules)
        round_ = _open_round(
            actor,
            project,
            question=last.question if last else project.title,
            closes_at=closes_at,
            rules=frozen,
            reason=reason,
        )
        project.publicity_starts = project.publicity_ends = None
        project.save(update_fields=["publicity_starts", "publicity_ends"])
        step(actor, project, workflow.REVOTE, note=reason)
    return round_


def weights_total(round_: Round) -> Fraction:
    return sum((Fraction(w) for w in round_.register.values_list("weight", flat=True)), Fraction(0))
