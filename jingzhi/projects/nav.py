"""Navigation entries and home-page blocks of 民意立项, collected by the web app's navigation: only entries
the user can actually use."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jingzhi.core.urls import fixed_url


def _live(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def entries(user) -> list[dict]:
    """民意立项 for everyone signed in: residents see the projects that touch their household and vote
    there; the office runs its projects from the same list; anyone may read the public projects."""
    if not _live(user):
        return []
    return [{"key": "projects", "label": _("民意立项"), "url": fixed_url("web:projects"), "order": 60}]


def home_blocks(user) -> list[dict]:
    """A resident's projects that wait for their household: open for voting, or in publicity."""
    if not _live(user):
        return []
    from jingzhi.projects import queries, workflow

    waiting = [p for p in queries.my_projects(user) if p.state in (workflow.VOTING, workflow.PUBLICITY)]
    if not waiting:
        return []
    return [
        {
            "key": "projects",
            "title": _("民意立项：与我家有关"),
            "template": "web/projects/_home_block.html",
            "context": {"projects": waiting[:5]},
            "order": 15,
        }
    ]
