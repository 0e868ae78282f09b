"""考核: indicators over the other apps' records, monthly snapshot tables, scores, rankings and reports.
Above the feature apps: it reads them and writes only its own tables. `ready()` imports each installed app's
indicator module (`jingzhi.assessment.sources.<label>`) and subscribes to the hooks that mark months for a
re-fill."""

from django.apps import AppConfig, apps
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "jingzhi.assessment"
    label = "assessment"
    verbose_name = _("考核")

    def ready(self) -> None:
        from jingzhi.assessment import receivers, registry

        registry.discover(config.label for config in apps.get_app_configs())
        receivers.subscribe()
