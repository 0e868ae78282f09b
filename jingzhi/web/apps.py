from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "jingzhi.web"
    label = "web"
