"""The publicity notice (公示) of a project, the same for the printable A4 page and the API: which projects
have one (in publicity or any later state), what it says (no personal data: the objections' grounds and
answers, never the objectors' names) and its QR code to the project's public page."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingzhi.core.errors import NotFound
from jingzhi.projects import permissions, queries, workflow
from jingzhi.projects.models import Round

NOTICE_STATES = frozenset(
    {workflow.PUBLICITY, workflow.APPROVED, workflow.DELIVERING, workflow.ACCEPTED, workflow.CLOSED}
)


def access_notice(user, project_id):
    """The project whose notice `user` may read: a published project that has reached publicity; NotFound
    otherwise (a draft, a project still voting, one that does not exist)."""
    project = permissions.access_project(user, project_id)
    if project.state not in NOTICE_STATES:
        raise NotFound(
            _("该项目尚未进入公示（编号 %(id)s）") % {"id": project.pk}, fields={"project": project.pk}
        )
    return project


def round_result(round_: Round | None) -> dict | None:
    """A round's result for public eyes: only once it closed (a secret round's running tally never shows)."""
    if round_ is None or round_.status == Round.Status.OPEN:
        return None
    data = dict(round_.result or {})
    data["outcome_label"] = str(workflow.OUTCOME_LABELS.get(data.get("outcome", ""), ""))
    return data


def notice_facts(project) -> dict:
    round_ = queries.current_round(project)
    rules = workflow.Rules.from_data(round_.rules if round_ else project.rules)
    return {
        "result": round_result(round_),
        "support_text": workflow.percent(rules.support),
        "turnout_text": workflow.percent(rules.turnout),
        "objections": list(project.objections.all()),
    }


def qr_svg(url: str) -> str:
    """An SVG QR code of `url`, drawn locally (nothing fetched)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")
