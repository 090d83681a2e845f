"""Pages of the service points app. Include from the root URLconf: path("servicepoints/", include(...))."""

from django.urls import path

from safepassage.servicepoints import views

app_name = "servicepoints"
urlpatterns = [
    path("", views.points_page, name="list"),
    path("<int:point_id>/", views.point_page, name="point"),
    path("<int:point_id>/stock", views.record_stock, name="stock"),
    path("<int:point_id>/served", views.record_served, name="served"),
]
