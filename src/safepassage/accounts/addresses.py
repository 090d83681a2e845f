"""The address a sign-in came from, for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE)."""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str | None:
    """REMOTE_ADDR; behind N trusted reverse proxies (SAFEPASSAGE_PROXY_COUNT), the address the first one saw.

    Each proxy appends the address it was reached from to X-Forwarded-For, so the N-th entry from the
    right is the client's; entries further left are whatever the client sent, and are never trusted.
    """
    hops = settings.SAFEPASSAGE_PROXY_COUNT
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR")
