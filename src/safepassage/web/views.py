"""Server-rendered pages: the map (data comes from the API) and the audit log."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from safepassage.accounts import selectors as party_selectors
from safepassage.audit import selectors as audit_selectors
from safepassage.core.errors import DomainError
from safepassage.core.permissions import Perm, Role
from safepassage.core.principal import principal_for_user
from safepassage.corridors.models import Group
from safepassage.incidents import selectors as claim_selectors
from safepassage.incidents.models import Verification
from safepassage.incidents.schemas import VerificationSet
from safepassage.incidents.services import set_claim_verification
from safepassage.web.pages import page_requires, script_strings


@ensure_csrf_cookie
def map_page(request):
    principal = principal_for_user(request.user)
    return render(request, "web/map.html", {
        "can_edit_corridors": principal.can(Perm.CORRIDORS_EDIT),
        "can_set_status": principal.can(Perm.CORRIDORS_SET_STATUS),
        "can_edit_pauses": principal.can(Perm.PAUSES_EDIT),
        "can_view_plans": principal.can(Perm.PLANS_VIEW),
        "can_respond": principal.can(Perm.PAUSES_RESPOND),
        "party_id": principal.party_id,
        "is_liaison": principal.role == Role.PARTY_LIAISON,
        "can_run_plans": principal.can(Perm.PLANS_RUN),
        "can_view_servicepoints": principal.can(Perm.SERVICEPOINTS_VIEW),
        "groups": Group.choices,
        "parties": party_selectors.parties() if principal.can(Perm.PAUSES_EDIT) else [],
        "i18n_strings": js_strings(),
        "page_config": {"canRunPlans": principal.can(Perm.PLANS_RUN),
                        "canSetStatus": principal.can(Perm.CORRIDORS_SET_STATUS),
                        "canEditCorridors": principal.can(Perm.CORRIDORS_EDIT),
                        "canEditPauses": principal.can(Perm.PAUSES_EDIT), "canRespond": principal.can(Perm.PAUSES_RESPOND),
                        "partyId": principal.party_id, "isLiaison": principal.role == Role.PARTY_LIAISON,
                        "canViewServicePoints": principal.can(Perm.SERVICEPOINTS_VIEW),
                        "refreshSeconds": settings.SAFEPASSAGE_MAP_REFRESH_SECONDS},
    })


def hazard_strings() -> dict[str, str]:
    """The hazard warnings' words on the map (issue 18 item 5) and the pause's evacuation plan."""
    return {
        "hazardWarnings": _("Hazard warnings"), "hz_mines_uxo_ied": _("mine"), "hz_shelling_zone": _("shelling"),
        "hz_front_line": _("front line"), "hz_blocked_road": _("blocked road"), "hz_reported": _("reported"),
        "hz_confirmed": _("confirmed"), "hz_being_cleared": _("being cleared"), "hzAt": _("at"),
        "hzVerified": _("verified"), "hzUnverified": _("unverified"),
        "hzSuspend": _("Suspend this corridor"), "evacPlan": _("How many people can leave in this pause?"),
    }


def js_strings() -> dict[str, str]:
    """Strings the map script shows, translated on the server (one catalogue for everything)."""
    return script_strings({
        **hazard_strings(),
        "open": _("open"), "suspended": _("suspended"), "closed": _("closed"),
        "outside_hours": _("open, but outside its hours"),
        "out": _("out of the besieged area"), "in": _("into the besieged area"), "both": _("both directions"),
        "hours": _("Hours"), "status": _("Status"), "reason": _("Reason"), "since": _("since"),
        "direction": _("Direction"), "groups": _("Eligible groups"), "openUntil": _("open until"),
        "nothingOpen": _("No corridor is open at this time."), "pauseUntil": _("Pause in force until"),
        "controlledBy": _("Controlled by"), "source": _("Source"), "unknown": _("unknown"),
        "contested": _("contested"), "controlHidden": _("Sign in to see control of areas."),
        "changeStatus": _("Change status"), "save": _("Save"), "checkpoints": _("Checkpoints"),
        "site": _("Site"), "type": _("Type"), "pause": _("Humanitarian pause"), "ends": _("ends"),
        "corridor": _("Corridor"), "area": _("Neighbourhood"), "drawing": _("Drawing: click points, double-click to finish."),
        "lineReady": _("Route ready"), "points": _("points"), "created": _("Created"),
        "pictureAt": _("Picture at"), "now": _("now"), "noControl": _("no observation"),
        "civilians": _("civilians"), "wounded_sick": _("wounded and sick"),
        "leaving_armed_groups_unarmed": _("persons leaving armed groups without weapons"),
        "leaving_armed_groups_armed": _("persons leaving armed groups with weapons"),
        "humanitarian_cargo": _("humanitarian cargo"),
        "planFrom": _("start"), "planTo": _("end"), "planPick": _("Click the map to place the point."),
        "planNeedPoints": _("Pick a start and an end first."), "planRoute": _("Route"),
        "planExposure": _("exposure"), "planNoExposure": _("no hazard on the way"),
        "planEvacuated": _("people out by the end of the pause"), "planUpperBound": _("proven upper bound"),
        "planOptimal": _("optimal"), "planGap": _("heuristic gap"), "planMinute": _("minute"),
        "planSites": _("proposed sites"), "planCovered": _("demand covered"),
        "planQueued": _("queued for the background worker"), "planRunning": _("computing"),
        "planFailed": _("the plan failed"),
        "accept": _("Accept"), "refuse": _("Refuse"), "pending": _("pending"), "accepted": _("accepted"),
        "refused": _("refused"), "proposed": _("proposed"), "agreed": _("agreed"), "active": _("active"),
        "ended": _("ended"), "violated": _("violated"), "noPauses": _("No pauses."),
        "withdrawn": _("withdrawn"), "withdrawnBy": _("Withdrawn by"),
        "scopeCovers": _("Covers"), "scopeCorridors": _("Corridors"), "scopeAreas": _("Areas"),
        "responseNote": _("note (required to refuse, or when recording for a party)"), "moveTo": _("Move to"),
        "servicePoints": _("Service points"), "meal_station": _("meal station"),
        "first_aid": _("first-aid point"), "reception_centre": _("reception centre"),
        "capacityPerHour": _("capacity per hour"), "capacityPerDay": _("capacity per day"),
        "servedLastHour": _("people served in the last hour"),
        "arrivalsLastHour": _("arrivals at this exit in the last hour"),
        "load": _("Load"), "stock": _("Stock"), "loadOk": _("within capacity"), "loadBusy": _("busy"),
        "loadOverloaded": _("overloaded"), "stockOk": _("enough stock"), "stockLow": _("low stock"),
        "stockVeryLow": _("very low stock"), "stockOut": _("out of stock"), "noStock": _("no stock recorded"),
        "inStock": _("in stock"), "daysLeft": _("days left"), "warnings": _("Warnings"),
        "spLegend": _("Fill: arrivals against capacity. Ring: stock."), "updated": _("Updated"),
        "spRefreshFailed": _("Could not refresh the service points; showing the last figures."),
    })


@page_requires(Perm.AUDIT_VIEW)
def audit_page(request, principal):
    entries = Paginator(audit_selectors.entries(), 100).get_page(request.GET.get("page"))
    return render(request, "web/audit.html", {"entries": entries})


@page_requires(Perm.CLAIMS_VIEW)
def claims_page(request, principal):
    return render(request, "web/claims.html", {
        "claims": claim_selectors.claims(),
        "can_verify": principal.can(Perm.CLAIMS_VERIFY),
        "statuses": Verification.choices,
    })


@require_POST
@page_requires(Perm.CLAIMS_VERIFY)
def claim_verify(request, principal, claim_id: int):
    claim_selectors.claim_or_404(claim_id)
    try:  # the JSON API's own schema: the same limits whichever way the verification arrives
        body = VerificationSet.model_validate({"verification": request.POST.get("verification", ""),
                                               "note": request.POST.get("note", "")})
    except ValidationError as exc:
        return HttpResponseBadRequest("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
                                      content_type="text/plain")
    try:
        set_claim_verification(claim_id=claim_id, verification=body.verification, note=body.note, by=principal)
    except DomainError as exc:
        return HttpResponseBadRequest(exc.reason)
    return redirect("web:claims")


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
