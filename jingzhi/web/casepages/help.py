"""The help page of the loop (/help/loop/): the diagram drawn from the transition table itself
(`workflow.diagram_svg()`), and a legend of every state and action with who may take it, read from the
same table — so the page cannot disagree with the rules in force."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from jingzhi.cases import workflow
from jingzhi.core.text import listing
from jingzhi.web.casepages.common import resident_state_words


@require_GET
def loop_help(request):
    states = [
        {
            "code": s,
            "label": workflow.state_label(s),
            "words": resident_state_words(s),
            "terminal": s in workflow.TERMINAL,
            "step": str(workflow.STEP_LABELS.get(workflow.STATE_STEP[s], "")),
        }
        for s in workflow.STATES
    ]
    rows = []
    for action in workflow.ACTIONS:
        moves = [(s, t) for (s, a), t in workflow.TRANSITIONS.items() if a == action]
        roles = {r for _s, t in moves for r in t.roles}
        requires = {need for _s, t in moves for need in t.requires}
        targets = {t.to for _s, t in moves}
        rows.append(
            {
                "label": workflow.action_label(action),
                "from": listing(workflow.state_label(s) for s, _t in moves) if len(moves) < 6 else "",
                "from_all": len(moves) >= 6,
                "to": listing(workflow.state_label(t) for t in targets if t) or "",
                "who": listing(str(workflow.ROLE_LABELS[r]) for r in workflow.ALL_ROLES if r in roles),
                "requires": sorted(requires),
            }
        )
    # The SVG is generated from our own table with every text escaped (workflow.diagram_svg).
    return render(
        request,
        "web/cases/help_loop.html",
        {
            "svg": mark_safe(workflow.diagram_svg()),  # noqa: S308
            "states": states,
            "actions": rows,
        },
    )
