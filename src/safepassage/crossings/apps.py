from django.apps import AppConfig


class CrossingsConfig(AppConfig):
    name = "safepassage.crossings"
    label = "crossings"
