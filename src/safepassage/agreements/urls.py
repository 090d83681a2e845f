"""Pages of the agreements app. Include from the root URLconf: path("", include("safepassage.agreements.urls"))."""

from django.urls import path

from safepassage.agreements import views

app_name = "agreements"
urlpatterns = [
    path("agreements/", views.agreements_page, name="list"),
]
