"""Helpers shared by the case pages: fetching a case by number or id, turning action errors into form
errors, and the small presentation facts (warning light, plain-word states) the templates need."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy

from jingzhi.accounts import access
from jingzhi.cases import permissions, workflow
from jingzhi.core.errors import ApplicationError, Conflict, NotFound
from jingzhi.core.ids import is_code, parse_id

# Light colours of the warning levels (workflow.GREEN/YELLOW/RED/NONE), for markers and badges.
LEVEL_COLOURS = {
    workflow.GREEN: "#1e8e3e",
    workflow.YELLOW: "#e3a008",
    workflow.RED: "#c5221f",
    workflow.NONE: "#8a949e",
}

# What a resident reads for each state: plain words, no office jargon.
RESIDENT_STATE_WORDS = {
    workflow.REPORTED: gettext_lazy("已收到，等待现场核实"),
    workflow.VERIFYING: gettext_lazy("监督员正在现场核实"),
    workflow.PENDING_FILING: gettext_lazy("已核实，正在立案"),
    workflow.PENDING_DISPATCH: gettext_lazy("已立案，正在安排处理部门"),
    workflow.PENDING_RESPONSE: gettext_lazy("已派给处理部门"),
    workflow.HANDLING: gettext_lazy("处理部门正在处理"),
    workflow.PARKED: gettext_lazy("需要较长时间解决，已列入计划"),
    workflow.PENDING_CHECK: gettext_lazy("已处理，等待现场核查"),
    workflow.PENDING_CALLBACK: gettext_lazy("已处理完毕，请您评价"),
    workflow.CLOSED: gettext_lazy("已办结"),
    workflow.NOT_FILED: gettext_lazy("经核实不予立案"),
    workflow.VOID: gettext_lazy("已作废"),
    workflow.MERGED: gettext_lazy("已与同一问题的其他反映合并办理"),
}


def case_link() -> str:
    """The case page's URL without the number: one `reverse` for a page of rows (case numbers are plain
    letters and digits) instead of one `{% url %}` per row and link."""
    return reverse("web:case_detail", args=["JZ0"]).removesuffix("JZ0/")


def resident_state_words(state: str) -> str:
    return str(RESIDENT_STATE_WORDS.get(state) or workflow.state_label(state))


def get_case(user, ref):
    """The case by its number (JZ…) or its id, through the access helpers; Http404 alike for missing and
    forbidden."""
    ref = str(ref or "").strip()
    try:
        if is_code(ref):
            pk = parse_id(ref)
            if pk is None:
                raise NotFound()
            return permissions.access_case(user, pk)
        return permissions.access_case_by_number(user, ref)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def is_staff_viewer(user) -> bool:
    """Whether the person works cases (any role but resident); residents get the resident's pages."""
    return access.can_view_staff_pages(user)


def error_status(exc: ApplicationError) -> int:
    return int(getattr(exc, "status", 400) or 400)


def error_context(exc: ApplicationError) -> dict:
    """What a form shows for a failed action: the message, the fields at fault, and whether the case moved
    under the person (then a reload link)."""
    fields = exc.fields if isinstance(exc.fields, dict) else {}
    return {
        "message": exc.message,
        "fields": fields,
        "conflict": isinstance(exc, Conflict),
        "allowed": [workflow.action_label(a) for a in getattr(exc, "allowed", [])],
    }


def sla_view(sla) -> dict:
    return {
        "level": sla.level,
        "label": sla.label,
        "colour": LEVEL_COLOURS[sla.level],
        "multiple": sla.overdue_multiple,
        "deadline": sla.deadline,
        "fraction": sla.fraction_used,
    }
