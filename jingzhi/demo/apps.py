from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jingzhi.demo"
    label = "demo"
