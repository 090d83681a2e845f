"""Pages of the reports app. Include from the root URLconf: path("", include("safepassage.reports.urls"))."""

from django.urls import path

from safepassage.reports import views

app_name = "reports"
urlpatterns = [
    path("bulletins/<str:day>/", views.bulletin_page, name="bulletin"),
    path("bulletins/<str:day>/bulletin.pdf", views.bulletin_pdf, name="pdf"),
    path("bulletins/<str:day>/bulletin.md", views.bulletin_markdown, name="markdown"),
    path("bulletins/<str:day>/publish", views.publish, name="publish"),
]
