from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jingzhi.web"
    label = "web"

    def ready(self):
        from jingzhi.web import checks  # noqa: F401 - registers the static-asset check
