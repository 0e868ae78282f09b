from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "jingzhi.api"
    label = "api"
    verbose_name = _("REST 接口")

    def ready(self) -> None:
        # Registers the OpenAPI extension for our token authentication (drf-spectacular finds extensions
        # by import).
        from jingzhi.api import schema  # noqa: F401
