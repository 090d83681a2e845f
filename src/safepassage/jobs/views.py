"""The background jobs page: what runs, how far it got, its result or why it failed."""

from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from safepassage.core.permissions import Perm
from safepassage.core.principal import principal_for_user
from safepassage.jobs import selectors


def jobs_page(request):
    principal = principal_for_user(request.user)
    if principal.is_anonymous:
        return redirect(f"/login/?next={request.path}")
    if not principal.can(Perm.JOBS_VIEW):
        return HttpResponseForbidden(_("Your role may not see this page."))
    rows = [selectors.job_read(j) for j in selectors.jobs()[:100]]
    return render(request, "jobs/list.html", {
        "jobs": rows, "active": any(j["status"] in ("queued", "running") for j in rows)})
