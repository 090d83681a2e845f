"""Server-rendered pages: the live dashboard and the mobile count form (both read and write through the API)."""

from __future__ import annotations

from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie

from safepassage.core.permissions import Perm
from safepassage.core.principal import principal_for_user
from safepassage.corridors.models import Checkpoint
from safepassage.crossings.services import BUCKET_MINUTES

REFRESH_SECONDS = 15


def _guard(request, perm: Perm):
    principal = principal_for_user(request.user)
    if principal.is_anonymous:
        return principal, redirect(f"/login/?next={request.path}")
    if not principal.can(perm):
        return principal, HttpResponseForbidden(f"Your role ({principal.role}) may not open this page.")
    return principal, None


@ensure_csrf_cookie
def dashboard_page(request):
    principal, refusal = _guard(request, Perm.CROSSINGS_VIEW)
    if refusal:
        return refusal
    return render(request, "crossings/dashboard.html", {
        "refresh_seconds": REFRESH_SECONDS,
        "can_servicepoints": principal.can(Perm.SERVICEPOINTS_VIEW),
        "can_medevac": principal.can(Perm.MEDEVAC_VIEW),
    })


@ensure_csrf_cookie
def count_form_page(request):
    principal, refusal = _guard(request, Perm.CROSSINGS_SUBMIT)
    if refusal:
        return refusal
    return render(request, "crossings/count_form.html", {
        "checkpoints": Checkpoint.objects.select_related("corridor").order_by("corridor__name", "name"),
        "buckets": BUCKET_MINUTES,
    })
