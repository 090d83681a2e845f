"""Pages of the crossings app. Include from the root URLconf: path("", include("safepassage.crossings.urls"))."""

from django.urls import path

from safepassage.crossings import pages, views

app_name = "crossings"
urlpatterns = [
    path("dashboard/", views.dashboard_page, name="dashboard"),
    path("crossings/new/", views.count_form_page, name="count-form"),
    path("crossings/review/", pages.review_queue_page, name="review"),
    path("crossings/review/<int:count_id>", pages.review_count, name="review-count"),
    path("medevac/", pages.medevac_list_page, name="medevac-list"),
    path("medevac/new/", pages.medevac_new_page, name="medevac-new"),
    path("medevac/<int:case_id>/", pages.medevac_case_page, name="medevac-case"),
    path("medevac/<int:case_id>/status", pages.medevac_status, name="medevac-status"),
    path("crossings/sw.js", views.count_form_service_worker, name="count-form-sw"),
]
