"""Pages of the crossings app. Include from the root URLconf: path("", include("safepassage.crossings.urls"))."""

from django.urls import path

from safepassage.crossings import views

app_name = "crossings"
urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("crossings/new/", views.count_form_page, name="count-form"),
    path("crossings/sw.js", views.count_form_service_worker, name="count-form-sw"),
]
