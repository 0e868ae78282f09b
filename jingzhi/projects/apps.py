"""民意立项: residents decide the livelihood projects that touch them. A feature app: it builds on cases
(the evidence of a 民情推动型 project, and the cases of a delivery), geo and accounts; nothing below imports
it, and it imports no other feature app."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "jingzhi.projects"
    label = "projects"
    verbose_name = _("民意立项")

    def ready(self) -> None:
        from jingzhi.cases import hooks as case_hooks
        from jingzhi.core import hooks
        from jingzhi.projects import subscribers

        # 民情推动型: a new case may complete a pattern that proposes a project.
        hooks.register(case_hooks.CASE_OPENED)(subscribers.on_case_opened)
