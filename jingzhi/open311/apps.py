from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "jingzhi.open311"
    label = "open311"
    verbose_name = _("Open311 接口")

    def ready(self):
        from jingzhi.open311 import checks  # noqa: F401  (registers the settings checks)
