from django.apps import AppConfig


class PausesConfig(AppConfig):
    name = "safepassage.pauses"
    label = "pauses"
