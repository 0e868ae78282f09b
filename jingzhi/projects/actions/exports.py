"""The results of a project's vote as a spreadsheet, as the secrecy of each round allows: every round's
result; the ballots of a signed round with the household and the signature; the ballots of a secret round
with channel, time and choice only, and none while it is open. Read-only (no audit row): the office's own
export, reached through the web page and the API alike."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.projects import workflow
from jingzhi.projects.models import Project, Round


def export_results(project: Project) -> bytes:
    from jingzhi.core import tabular

    book = tabular.WorkbookWriter()
    results = book.sheet(
        _("表决结果"), [_("轮次"), _("状态"), _("合格单位"), _("参与"), _("参与率"), _("赞同率"), _("结果")]
    )
    ballots = book.sheet(
        _("选票"),
        [_("轮次"), _("渠道"), _("时间"), _("选择"), _("计入"), _("住户"), _("签字")],
        text_columns=(5, 6),
    )
    for r in project.rounds.order_by("number"):
        res = r.result or {}
        results.append(
            [
                r.number,
                r.get_status_display(),
                res.get("eligible_units"),
                res.get("voted_units"),
                res.get("turnout"),
                res.get("support"),
                str(workflow.OUTCOME_LABELS.get(res.get("outcome", ""), "")),
            ]
        )
        secret = workflow.Rules.from_data(r.rules).secret
        if r.status == Round.Status.OPEN and secret:
            continue  # a secret round's ballots only after close
        for b in r.ballots.select_related("entry__household").order_by("id"):
            ballots.append(
                [
                    r.number,
                    b.get_channel_display(),
                    b.created_at.strftime("%Y-%m-%d %H:%M"),
                    b.get_choice_display(),
                    _("是") if b.counted else _("否"),
                    b.entry.household.address if b.entry_id and not secret else "",
                    b.signed_name if not secret else "",
                ]
            )
    return book.to_bytes()
