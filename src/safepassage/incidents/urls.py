from django.urls import path

from safepassage.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list_page, name="list"),
    path("queue/", views.review_queue_page, name="queue"),
    path("<int:incident_id>/", views.incident_page, name="detail"),
]
