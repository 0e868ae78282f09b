"""Navigation entries of 民意立项 for the web shell (collected from installed apps by the homes helper)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def entries(user) -> list[dict]:
    """民意立项 for everyone signed in: residents see the projects that touch their household and vote
    there; the office runs its projects from the same list."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [{"key": "projects", "label": _("民意立项"), "url": reverse("web:projects"), "order": 60}]
