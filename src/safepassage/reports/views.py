"""Bulletin pages: HTML, PDF and Markdown of a day's bulletin, for the reader's audience and language."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_POST

from safepassage.core.errors import DomainError
from safepassage.core.permissions import Perm
from safepassage.core.principal import principal_for_user
from safepassage.reports import render as rendering
from safepassage.reports import selectors


def _bulletin(request, day: str) -> tuple[dict | None, HttpResponse | None]:
    principal = principal_for_user(request.user)
    if not principal.can(Perm.REPORTS_VIEW):
        return None, HttpResponseForbidden()
    try:
        b = selectors.build(day=selectors.parse_day(day), tz=selectors.parse_zone(request.GET.get("tz")),
                            as_of=None, audience=selectors.audience_for(principal, request.GET.get("audience")),
                            principal=principal)
    except DomainError as exc:
        return None, HttpResponseBadRequest(exc.reason, content_type="text/plain; charset=utf-8")
    return b, None


def bulletin_page(request, day: str):
    if request.GET.get("day") and request.GET["day"] != day:
        try:
            return redirect("reports:bulletin", day=selectors.parse_day(request.GET["day"]).isoformat())
        except DomainError as exc:
            return HttpResponseBadRequest(exc.reason, content_type="text/plain; charset=utf-8")
    b, refused = _bulletin(request, day)
    if refused:
        return refused
    principal = principal_for_user(request.user)
    job = None
    if request.GET.get("job", "").isdigit() and principal.can(Perm.JOBS_VIEW):
        from safepassage.jobs import selectors as jobs

        job = jobs.job_read(jobs.job(int(request.GET["job"])))
    ctx = rendering.context(b, lang=translation.get_language())
    ctx.update(editions=[selectors.edition_read(e) for e in selectors.editions(selectors.parse_day(day))],
               may_publish=principal.can(Perm.REPORTS_PUBLISH), job=job)
    return render(request, "reports/bulletin.html", ctx)


@require_POST
def publish(request, day: str):
    """Start publishing the day's bulletin (a background job), then show its progress on the page."""
    from safepassage.jobs import services as jobs
    from safepassage.reports.tasks import publish_bulletin

    principal = principal_for_user(request.user)
    if not principal.can(Perm.REPORTS_PUBLISH):
        return HttpResponseForbidden()
    try:
        the_day = selectors.parse_day(day)
        tz = selectors.parse_zone(request.POST.get("tz"))
        job = jobs.enqueue(kind="reports.bulletin", task=publish_bulletin, by=principal, day=the_day.isoformat(),
                           tz=tz)
    except DomainError as exc:
        return HttpResponseBadRequest(exc.reason, content_type="text/plain; charset=utf-8")
    return redirect(f"/bulletins/{the_day.isoformat()}/?job={job.pk}")


def bulletin_pdf(request, day: str):
    b, refused = _bulletin(request, day)
    if refused:
        return refused
    response = HttpResponse(rendering.pdf(b, lang=translation.get_language()), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bulletin-{b["date"]}.pdf"'
    return response


def bulletin_markdown(request, day: str):
    b, refused = _bulletin(request, day)
    if refused:
        return refused
    return HttpResponse(rendering.markdown(b, lang=translation.get_language()),
                        content_type="text/markdown; charset=utf-8")
