"""The background jobs page: what runs, how far it got, its result or why it failed."""

from django.shortcuts import render

from safepassage.core.permissions import Perm
from safepassage.jobs import selectors
from safepassage.web.pages import page_requires


@page_requires(Perm.JOBS_VIEW)
def jobs_page(request, principal):
    rows = [selectors.job_read(j) for j in selectors.jobs()[:100]]
    return render(request, "jobs/list.html", {
        "jobs": rows, "active": any(j["status"] in ("queued", "running") for j in rows)})
