from django.apps import AppConfig


class ConvoysConfig(AppConfig):
    name = "safepassage.convoys"
    label = "convoys"
