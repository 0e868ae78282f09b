from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "jingzhi.api"
    label = "api"
