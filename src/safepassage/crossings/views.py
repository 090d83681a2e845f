"""Server-rendered pages: the live dashboard and the mobile count form (both read and write through the API)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from safepassage.core.permissions import Perm
from safepassage.core.timeutil import operation_zone_name
from safepassage.corridors import selectors as corridor_selectors
from safepassage.crossings.services import BUCKET_MINUTES
from safepassage.web.pages import page_requires

REFRESH_SECONDS = 15


@ensure_csrf_cookie
@page_requires(Perm.CROSSINGS_VIEW)
def dashboard_page(request, principal):
    return render(request, "crossings/dashboard.html", {
        "refresh_seconds": REFRESH_SECONDS, "tz": operation_zone_name(),
        "can_servicepoints": principal.can(Perm.SERVICEPOINTS_VIEW),
        "can_medevac": principal.can(Perm.MEDEVAC_VIEW),
    })


@ensure_csrf_cookie
@page_requires(Perm.CROSSINGS_SUBMIT)
def count_form_page(request, principal):
    return render(request, "crossings/count_form.html", {
        "checkpoints": corridor_selectors.checkpoints().order_by("corridor__name", "name"),
        "buckets": BUCKET_MINUTES,
    })
