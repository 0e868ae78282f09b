from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Registers the settings checks; holds no models."""

    name = "jingzhi.config"
    label = "jingzhi_config"

    def ready(self) -> None:
        from jingzhi.config import checks  # noqa: F401
