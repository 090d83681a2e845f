from django.apps import AppConfig


class ServicepointsConfig(AppConfig):
    name = "safepassage.servicepoints"
    label = "servicepoints"
