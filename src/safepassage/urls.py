from django.contrib import admin
from django.urls import include, path

from safepassage.api import api

urlpatterns = [
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("convoys/", include("safepassage.convoys.urls")),
    path("incidents/", include("safepassage.incidents.urls")),
    path("servicepoints/", include("safepassage.servicepoints.urls")),
    path("", include("safepassage.crossings.urls")),
    path("", include("safepassage.jobs.urls")),
    path("", include("safepassage.agreements.urls")),
    path("", include("safepassage.reports.urls")),
    path("", include("safepassage.web.urls")),
]

handler400 = "safepassage.api.bad_request"
handler403 = "safepassage.api.permission_denied"
handler404 = "safepassage.api.page_not_found"
handler500 = "safepassage.api.server_error"
