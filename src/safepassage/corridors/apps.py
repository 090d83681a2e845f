from django.apps import AppConfig


class CorridorsConfig(AppConfig):
    name = "safepassage.corridors"
    label = "corridors"
