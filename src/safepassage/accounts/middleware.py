"""A signed-in person who must use a second factor confirms it before any page or session API call."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect, JsonResponse
from django_otp.plugins.otp_totp.models import TOTPDevice

VERIFY_URL = "/account/two-factor/"
# Reachable before the second factor: signing in and out, the second-factor pages, static files,
# the language switch and the health check.
OPEN_PREFIXES = ("/login/", "/logout/", "/account/two-factor/", "/static/", "/i18n/", "/healthz")


def needs_second_factor(user) -> bool:
    """True for the roles that must use one, and for anyone who has enrolled one."""
    return (user.role in settings.SAFEPASSAGE_SECOND_FACTOR_ROLES
            or TOTPDevice.objects.filter(user=user, confirmed=True).exists())


class SecondFactorRequiredMiddleware:
    """After django_otp's OTPMiddleware: send an unverified session to the second-factor page.

    API requests with a bearer token are not session sign-ins: the token is their own credential.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path_info.startswith("/api/")
        # Without a session cookie, or with a token, there is no session sign-in: the session is not
        # even read (so the answer does not vary on the cookie).
        if (settings.SESSION_COOKIE_NAME not in request.COOKIES or (is_api and request.headers.get("Authorization"))
                or request.path_info.startswith(OPEN_PREFIXES)):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        if is_api:
            if needs_second_factor(user):
                return JsonResponse({"detail": "confirm your second factor first, at " + VERIFY_URL, "errors": []},
                                    status=401)
            return self.get_response(request)
        if needs_second_factor(user):
            return HttpResponseRedirect(VERIFY_URL + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
