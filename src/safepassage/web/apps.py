from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "safepassage.web"
    label = "web"
