from django.urls import path

from safepassage.jobs import views

urlpatterns = [path("jobs/", views.jobs_page, name="jobs")]
