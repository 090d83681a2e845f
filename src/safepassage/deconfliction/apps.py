from django.apps import AppConfig


class DeconflictionConfig(AppConfig):
    name = "safepassage.deconfliction"
    label = "deconfliction"
