"""What 民意立项 does when a lower app fires a hook (registered in `ProjectsConfig.ready()`)."""

from __future__ import annotations


def on_case_opened(*, case_id, category_id=None, community_code=None, **_payload) -> None:
    from types import SimpleNamespace

    from jingzhi.cases.models import Case
    from jingzhi.projects.actions.driven import propose_from_case

    if category_id is not None or community_code is not None:
        # Intake sends what the rules look at: no read of the case back in the reporter's request.
        case = SimpleNamespace(pk=case_id, category_id=category_id, community_code=community_code or "")
    else:
        case = Case.objects.filter(pk=case_id).first()
    if case is not None:
        propose_from_case(case)
