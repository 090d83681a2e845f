from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "safepassage.places"
    label = "places"
