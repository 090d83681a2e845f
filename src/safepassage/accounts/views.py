"""Account pages: confirm a second factor after the password, enrol an authenticator app, own API tokens."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepassage.accounts import selectors, services
from safepassage.core.errors import DomainError
from safepassage.core.principal import principal_for_user
from safepassage.core.timeutil import now


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return "/"


def _with_next(url: str, target: str) -> str:
    return url if target == "/" else f"{url}?{urlencode({'next': target})}"


@login_required
def two_factor(request):
    """Ask for the current code from the authenticator app (or a recovery code) once per session."""
    target = _next(request)
    if not services.has_second_factor(request.user):
        return redirect(_with_next("/account/two-factor/enrol/", target))
    if request.user.is_verified():
        return redirect(target)
    error = None
    if request.method == "POST":
        device = services.check_second_factor(user=request.user, code=request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(target)
        error = _("This code is not valid. Enter the current code from your authenticator app, "
                  "or one of your unused recovery codes.")
    return render(request, "web/two_factor.html", {"next": target, "error": error},
                  status=400 if error else 200)


@login_required
def enrol(request):
    """Add an authenticator app: show its secret, confirm with a first code, then show recovery codes once."""
    user = request.user
    target = _next(request)
    if services.has_second_factor(user) and not user.is_verified():
        return redirect(_with_next("/account/two-factor/", target))  # prove the current factor before replacing it
    error = None
    device = None
    if request.method == "POST":
        try:
            codes = services.confirm_totp(user=user, code=request.POST.get("code", ""),
                                          by=principal_for_user(user))
        except DomainError as exc:
            error = exc.reason
        else:
            otp_login(request, TOTPDevice.objects.get(user=user, confirmed=True))
            return render(request, "web/two_factor_codes.html", {"codes": codes, "next": target})
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = services.start_totp_enrolment(user=user)
    return render(request, "web/two_factor_enrol.html", {
        "secret": services.totp_secret(device), "config_url": device.config_url, "next": target, "error": error,
        "required": user.role in settings.SAFEPASSAGE_SECOND_FACTOR_ROLES,
    }, status=400 if error else 200)


@login_required
def tokens_page(request):
    """The person's own API tokens (never the tokens themselves), each revocable at once."""
    principal = principal_for_user(request.user)
    error = None
    if request.method == "POST":
        try:
            services.revoke_token(token_id=int(request.POST.get("token_id", "")), by=principal)
        except (DomainError, ValueError):
            error = _("This token could not be revoked: it is not one of yours, or it is already revoked.")
        else:
            return redirect("/account/tokens/")
    return render(request, "web/tokens.html", {"tokens": selectors.own_tokens(request.user), "now": now(),
                                               "error": error}, status=400 if error else 200)
