"""What 民意立项 does when a lower app fires a hook (registered in `ProjectsConfig.ready()`)."""

from __future__ import annotations


def on_case_opened(*, case_id, **_payload) -> None:
    from jingzhi.cases.models import Case
    from jingzhi.projects.actions.driven import propose_from_case

    case = Case.objects.filter(pk=case_id).first()
    if case is not None:
        propose_from_case(case)
