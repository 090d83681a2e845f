"""The one guard of server-rendered pages: sign in first, then the role's permission, else a 403 page."""

from __future__ import annotations

import functools
from urllib.parse import quote

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safepassage.core.permissions import Perm
from safepassage.core.principal import principal_for_user


def script_strings(strings: dict[str, str]) -> dict[str, str]:
    """A page's translated strings for its script, with those every script shares (read by SP.t)."""
    return {"network": _("The server could not be reached; nothing was changed. Try again."), **strings}


def page_requires(perm: Perm):
    """Call `view(request, principal, ...)` for a signed-in principal holding `perm`.

    The anonymous are sent to the sign-in page (and back here after); a role without the
    permission gets a 403 page saying so, with a way back.
    """

    def decorate(view):
        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            principal = principal_for_user(request.user)
            if principal.is_anonymous:
                return redirect(f"/login/?next={quote(request.get_full_path())}")
            if not principal.can(perm):
                return render(request, "web/forbidden.html", {"role": principal.role}, status=403)
            return view(request, principal, *args, **kwargs)

        return guarded

    return decorate
