"""The one guard of server-rendered pages: sign in first, then the role's permission, else a 403 page."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from urllib.parse import quote

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safepassage.core.errors import InvalidInput
from safepassage.core.permissions import Perm
from safepassage.core.principal import principal_for_user
from safepassage.core.timeutil import now, operation_zone, require_aware

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=2)


def event_time(text: str | None, field: str = "at") -> datetime:
    """The time an event happened, from a form's local date and time (operation zone); now if blank, never future."""
    text = (text or "").strip()
    if not text:
        return now()
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("give a date and time such as 2016-10-20T08:30", field=field) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=operation_zone())
    value = require_aware(value, field)
    if value > now() + CLOCK_SKEW:
        raise InvalidInput("this time is in the future; give the time the event happened", field=field)
    return value


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
