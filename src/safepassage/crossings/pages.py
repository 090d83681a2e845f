"""Pages for medical evacuation cases and the review queue of flagged counts: read by selectors, written by services."""

from __future__ import annotations

import uuid

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from safepassage.core.errors import DomainError
from safepassage.core.permissions import Perm
from safepassage.corridors import selectors as corridor_selectors
from safepassage.crossings import selectors, services
from safepassage.crossings.models import AgeBand, MedevacStatus, ReviewStatus, Sex, Triage
from safepassage.web.pages import event_time, page_requires, script_strings


def status_labels() -> dict[str, str]:
    return {MedevacStatus.WAITING: _("waiting"), MedevacStatus.MOVED: _("moved"),
            MedevacStatus.HANDED_OVER: _("handed over"), MedevacStatus.DIED_EN_ROUTE: _("died en route")}


def triage_labels() -> dict[str, str]:
    return {Triage.IMMEDIATE: _("immediate (red)"), Triage.URGENT: _("urgent (yellow)"),
            Triage.DELAYED: _("delayed (green)"), Triage.EXPECTANT: _("expectant")}


def _labelled(case: dict) -> dict:
    statuses, triages = status_labels(), triage_labels()
    case["status_label"] = statuses.get(case["status"], case["status"])
    case["triage_label"] = triages.get(case["triage"], case["triage"])
    for event in case["timeline"]:
        event["status_label"] = statuses.get(event["status"], event["status"])
    return case


def _counts(principal) -> dict:
    counts = selectors.medevac_counts()
    statuses, triages = status_labels(), triage_labels()
    return {"total": counts["total"],
            "by_status": [(statuses[s], n) for s, n in counts["by_status"].items()],
            "by_triage": [(triages[t], n) for t, n in counts["by_triage"].items()]}


@page_requires(Perm.MEDEVAC_VIEW)
def medevac_list_page(request, principal):
    """Counts for everyone allowed; one row per case only for those who coordinate or treat them."""
    context = {"counts": _counts(principal), "can_cases": principal.can(Perm.MEDEVAC_CASES_VIEW),
               "can_edit": principal.can(Perm.MEDEVAC_EDIT), "statuses": list(status_labels().items()),
               "status_filter": ""}
    if context["can_cases"]:
        wanted = request.GET.get("status", "")
        status = wanted if wanted in MedevacStatus.values else None
        medical = selectors.may_read_medical(principal)
        rows = selectors.medevac_cases(status=status).prefetch_related("events")[:300]
        context.update(cases=[_labelled(selectors.case_read(c, medical=medical)) for c in rows],
                       status_filter=status or "")
    return render(request, "crossings/medevac_list.html", context)


def _case_context(principal, case_id: int) -> dict:
    case = selectors.case_or_404(case_id)
    medical = selectors.may_read_medical(principal)
    data = _labelled(selectors.case_read(case, medical=medical))
    labels = status_labels()
    return {
        "case": data, "corridor": case.corridor.name if case.corridor_id else "",
        "can_edit": principal.can(Perm.MEDEVAC_EDIT), "medical": medical,
        "can_override": principal.can(Perm.CONVOYS_OVERRIDE),
        "can_identify": principal.can(Perm.MEDICAL_IDENTIFYING_VIEW) and case.has_identifying,
        "next_statuses": [(s, labels[s]) for s in sorted(services.MEDEVAC_NEXT[case.status])],
        "i18n_strings": script_strings({"name": _("Name"), "details": _("Identifying details"),
                                        "purged": _("The identifying details were erased under the retention rule."),
                                        "logged": _("This read is kept in the audit log with its purpose.")}),
    }


@ensure_csrf_cookie
@page_requires(Perm.MEDEVAC_CASES_VIEW)
def medevac_case_page(request, principal, case_id: int):
    return render(request, "crossings/medevac_case.html", _case_context(principal, case_id))


@require_POST
@page_requires(Perm.MEDEVAC_CASES_VIEW)
def medevac_status(request, principal, case_id: int):
    """Move a case to its next status at the time the change happened (a coordinator: only as an override)."""
    selectors.case_or_404(case_id)
    try:
        version = int(request.POST.get("version", "")) if request.POST.get("version") else None
        services.set_medevac_status(case_id=case_id, status=request.POST.get("status", ""),
                                    at=event_time(request.POST.get("at")), note=request.POST.get("note", ""),
                                    expected_version=version,
                                    override_reason=request.POST.get("override_reason", "").strip() or None,
                                    by=principal)
    except (DomainError, ValueError) as exc:
        context = _case_context(principal, case_id)
        context["error"] = getattr(exc, "reason", _("The version must be a number."))
        return render(request, "crossings/medevac_case.html", context, status=400)
    return redirect("crossings:medevac-case", case_id=case_id)


def _new_context(principal, form=None, error="") -> dict:
    return {"age_bands": AgeBand.choices, "sexes": Sex.choices, "triages": list(triage_labels().items()),
            "corridors": corridor_selectors.corridors().order_by("name"), "legal_bases": services.LEGAL_BASES,
            "form": form or {"client_uuid": str(uuid.uuid4())}, "error": error}


@page_requires(Perm.MEDEVAC_EDIT)
def medevac_new_page(request, principal):
    """Open a case; the form carries one submission identifier, so pressing Save twice opens one case."""
    if request.method != "POST":
        return render(request, "crossings/medevac_new.html", _new_context(principal))
    post = request.POST
    try:
        corridor = post.get("corridor_id") or None
        result = services.create_medevac_case(
            client_uuid=post.get("client_uuid", ""), age_band=post.get("age_band", ""), sex=post.get("sex", ""),
            triage=post.get("triage", ""), condition_summary=post.get("condition_summary", ""),
            corridor_id=int(corridor) if corridor else None, full_name=post.get("full_name", ""),
            identifying_details=post.get("identifying_details", ""),
            legal_basis=post.get("legal_basis", "vital_interest"), at=event_time(post.get("at")), by=principal)
    except (DomainError, ValueError) as exc:
        error = getattr(exc, "reason", _("Choose a corridor from the list."))
        return render(request, "crossings/medevac_new.html", _new_context(principal, post, error), status=400)
    return redirect("crossings:medevac-case", case_id=result.case.pk)


def _queue_context() -> dict:
    rows = selectors.counts(review_status=ReviewStatus.PENDING).select_related("checkpoint", "submitted_by")[:200]
    return {"counts": [selectors.count_read(c) for c in rows]}


@page_requires(Perm.CROSSINGS_REVIEW)
def review_queue_page(request, principal):
    """Counts flagged when stored, with the reasons, waiting for someone to confirm or reject them."""
    return render(request, "crossings/review_queue.html", _queue_context())


@require_POST
@page_requires(Perm.CROSSINGS_REVIEW)
def review_count(request, principal, count_id: int):
    try:
        services.review_crossing_count(count_id=count_id, decision=request.POST.get("decision", ""),
                                       note=request.POST.get("note", ""), by=principal)
    except DomainError as exc:
        return render(request, "crossings/review_queue.html", {**_queue_context(), "error": exc.reason,
                                                               "error_id": count_id}, status=400)
    return redirect("crossings:review")
