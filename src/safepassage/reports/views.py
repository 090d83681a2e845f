"""Bulletin pages: HTML, PDF and Markdown of a day's bulletin, for the reader's audience and language."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import translation

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
    return render(request, "reports/bulletin.html", rendering.context(b, lang=translation.get_language()))


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
