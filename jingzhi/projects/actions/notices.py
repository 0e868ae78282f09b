"""Telling households: the notices 民意立项 sends through `core.notifications.notify`, inside the action's
transaction (the inbox rows commit or roll back with the change; e-mail and SMS go after commit).

- A vote opens (first round, a new round after a change of rules, a re-vote): the people matched to the
  households on the round's **frozen register** (per-person rounds: the members on it), each once.
- Publicity starts: the people matched to the households **in the project's scope** — those who may object.
- An objection is answered: the objector alone.

Titles and bodies are callables, so each reader's inbox shows them in their own interface language.
No notice names a household, an address or another resident.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhi.projects import workflow
from jingzhi.projects.models import HouseholdMember, Objection, Project, RegisterEntry, Round

VOTE_OPENED = "projects_vote_opened"
PUBLICITY_STARTED = "projects_publicity_started"
OBJECTION_ANSWERED = "projects_objection_answered"


def _link(name: str, project: Project) -> str:
    try:
        return reverse(name, args=[project.pk])
    except NoReverseMatch:  # the web interface not installed: the notice still goes, without a link
        return ""


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def register_user_ids(round_: Round) -> list[int]:
    """The accounts matched to `round_`'s frozen register: the members of its households, or (per person)
    the members on it; each once, in a stable order."""
    entries = RegisterEntry.objects.filter(round=round_)
    if workflow.Rules.from_data(round_.rules).unit == workflow.UNIT_PERSON:
        rows = entries.filter(member__isnull=False).values_list("member__user_id", flat=True)
    else:
        rows = HouseholdMember.objects.filter(
            household_id__in=entries.values("household_id"), household__is_active=True
        ).values_list("user_id", flat=True)
    return sorted(set(rows))


def scope_user_ids(project: Project) -> list[int]:
    from jingzhi.projects.queries import households_in_scope

    rows = HouseholdMember.objects.filter(
        household_id__in=households_in_scope(project).values("pk")
    ).values_list("user_id", flat=True)
    return sorted(set(rows))


def vote_opened(project: Project, round_: Round) -> None:
    from jingzhi.core.notifications import notify

    closes = _when(round_.closes_at)
    title, number, reason = project.title, round_.number, round_.reason
    notify(
        recipients=register_user_ids(round_),
        verb=VOTE_OPENED,
        title=lambda: _("民意立项表决开始：%(p)s") % {"p": title},
        body=lambda: (
            _("“%(p)s”第 %(n)d 轮表决已开始，截止 %(t)s。您家在本轮表决名册上，请登录投票，截止前可以修改。")
            % {"p": title, "n": number, "t": closes}
            + (_("重新表决的原因：%(r)s") % {"r": reason} if reason else "")
        ),
        link=_link("web:project_vote", project),
        target=project,
    )


def publicity_started(project: Project) -> None:
    from jingzhi.core.notifications import notify

    title = project.title
    start, end = _when(project.publicity_starts), _when(project.publicity_ends)
    notify(
        recipients=scope_user_ids(project),
        verb=PUBLICITY_STARTED,
        title=lambda: _("民意立项公示：%(p)s") % {"p": title},
        body=lambda: (
            _("“%(p)s”表决通过，公示期 %(a)s 至 %(b)s。如有异议，请在公示期内在项目页实名提出。")
            % {"p": title, "a": start, "b": end}
        ),
        link=_link("web:project_detail", project),
        target=project,
    )


def objection_answered(project: Project, objection: Objection) -> None:
    from jingzhi.core.notifications import notify

    if objection.user_id is None:
        return
    title, upheld, answer = project.title, objection.upheld, objection.answer[:200]
    notify(
        recipients=[objection.user_id],
        verb=OBJECTION_ANSWERED,
        title=lambda: _("您对“%(p)s”的异议已答复") % {"p": title},
        body=lambda: (
            (_("异议被认定成立。") if upheld else _("异议未被认定成立。"))
            + _("答复（已在项目页公开）：%(a)s") % {"a": answer}
        ),
        link=_link("web:project_detail", project),
        target=project,
    )
