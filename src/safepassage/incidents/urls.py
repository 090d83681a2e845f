from django.urls import path

from safepassage.incidents import pages, views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list_page, name="list"),
    path("new/", pages.record_page, name="new"),
    path("queue/", views.review_queue_page, name="queue"),
    path("<int:incident_id>/", views.incident_page, name="detail"),
    path("<int:incident_id>/take/", pages.take_page, name="take"),
    path("<int:incident_id>/release/", pages.release_page, name="release"),
    path("<int:incident_id>/decide/", pages.decide_page, name="decide"),
    path("<int:incident_id>/decisions/<int:decision_id>/confirm/", pages.confirm_page, name="confirm"),
]
