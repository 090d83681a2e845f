from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "safepassage.incidents"
    label = "incidents"
