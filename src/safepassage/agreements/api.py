"""Agreements registry routes: public reads, coordinator writes, tallies computed at each request."""

from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from safepassage.accounts.models import Party
from safepassage.agreements import selectors, services
from safepassage.agreements.models import Agreement, Community
from safepassage.agreements.schemas import (
    AgreementCreate,
    AgreementFilters,
    AgreementRead,
    AgreementStatusSet,
    ClaimBesideRead,
    TallyClaimCreate,
    TallyParams,
    TallyRead,
)
from safepassage.core.api import DbId, Page, PageParams, op
from safepassage.core.errors import InvalidInput
from safepassage.core.permissions import Perm, Role
from safepassage.core.timeutil import now, require_aware

router = Router(tags=["agreements"])


def place_ref(c: Community) -> dict:
    return {"id": c.place_id, "name": c.place.name, "name_ar": c.place.name_ar, "pcode": c.place.pcode,
            "population": c.population, "population_source": c.population_source,
            "population_as_of": c.population_as_of}


def agreement_read(a: Agreement, *, at=None, staff: bool = False) -> dict:
    """An agreement with its full history; `status` is the latest one valid at `at` (now by default)."""
    at = at or now()
    history = sorted(a.status_history.all(), key=lambda h: (h.valid_from, h.id))
    current = [h.status for h in history if h.valid_from <= at]
    return {
        "id": a.pk, "name": a.name, "kind": a.kind, "place": place_ref(a.community), "signed_at": a.signed_at,
        "status": current[-1] if current else None,
        "status_history": [
            {"status": h.status, "from": h.valid_from, "source": h.source, "note": h.note,
             "recorded_by": (h.recorded_by.username if h.recorded_by else "system") if staff else None,
             "recorded_at": h.recorded_at}
            for h in history
        ],
        "parties": [{"party_id": r.party_id, "party": r.party.short_name, "role": r.role} for r in a.party_roles.all()],
        "terms": a.terms, "notes": a.notes,
        "area_ids": sorted(p.pk for p in a.areas.all()), "corridor_ids": sorted(c.pk for c in a.corridors.all()),
        "version": a.version,
    }


def claim_read(c: selectors.ClaimBeside) -> dict:
    return {"party": c.claim.party.short_name, "metric": c.claim.metric, "claimed": c.claim.claimed,
            "as_of": c.claim.as_of, "source": c.claim.source, "quote": c.claim.quote, "recorded": c.recorded,
            "difference": c.difference}


def _is_staff(request) -> bool:
    return request.auth.role != Role.PUBLIC


def _community(place_id: int) -> Community:
    community = Community.objects.select_related("place").filter(place_id=place_id).first()
    if community is None:
        raise InvalidInput("this place is not a registered community (import it with `safepassage import "
                           "communities`)", field="place_id")
    return community


def _parties(items) -> list[tuple[Party, str]]:
    found = Party.objects.in_bulk({p.party_id for p in items})
    missing = sorted({p.party_id for p in items} - set(found))
    if missing:
        raise InvalidInput(f"unknown party id(s) {missing}", field="parties")
    return [(found[p.party_id], p.role) for p in items]


@op(router.get, "/agreements", perm=Perm.AGREEMENTS_VIEW, response=Page(AgreementRead), by_alias=True)
def list_agreements(request, filters: AgreementFilters = Query(...), paging: PageParams = Query(...)):
    """List agreements, latest signed first, each with its place, signature and dated status history.

    With `tally`, the agreements behind that tally at `at` (one per community); `as_of` pins them to what was
    recorded by then: the daily bulletin's agreements figures link here.
    """
    at = services.check_range(require_aware(filters.at, "at"), "at") if filters.at else now()
    as_of = services.check_range(require_aware(filters.as_of, "as_of"), "as_of") if filters.as_of else None
    qs = selectors.agreements(place_id=filters.place_id, kind=filters.kind, tally=filters.tally, at=at, as_of=as_of)
    staff = _is_staff(request)
    return {"items": [agreement_read(a, at=at, staff=staff) for a in qs[paging.offset: paging.offset + paging.limit]],
            "count": qs.count()}


@op(router.get, "/agreements/tally", perm=Perm.AGREEMENTS_VIEW, response=TallyRead)
def get_tally(request, params: TallyParams = Query(...)):
    """Communities that signed (in total, first time in the 24 h up to `at`) and with an agreement in force;
    each party's latest claimed figures beside the registry's own at the claim's date, never mixed."""
    at = services.check_range(require_aware(params.at, "at"), "at") if params.at else now()
    t = selectors.tally(at)
    return {"at": at, "signed_total": t.signed_total, "signed_last_24h": t.signed_last_24h, "in_force": t.in_force,
            "claims": [claim_read(c) for c in selectors.claims_beside(at)]}


@op(router.post, "/agreements/claims", perm=Perm.AGREEMENTS_EDIT, response={201: ClaimBesideRead})
def record_claim(request, body: TallyClaimCreate):
    """Record a party's claimed tally (e.g. "783 populated areas") with its source."""
    party = Party.objects.filter(pk=body.party_id).first()
    if party is None:
        raise InvalidInput("unknown party", field="party_id")
    claim = services.record_claimed_tally(party=party, metric=body.metric, claimed=body.claimed, as_of=body.as_of,
                                          source=body.source, quote=body.quote, by=request.auth)
    return Status(201, claim_read(selectors.ClaimBeside(claim, selectors.tally(claim.as_of).value(claim.metric))))


@op(router.post, "/agreements", perm=Perm.AGREEMENTS_EDIT, response={201: AgreementRead}, by_alias=True)
def create_agreement(request, body: AgreementCreate):
    """Record an agreement a community signed; a date alone means 00:00 in the operation's time zone."""
    agreement = services.create_agreement(
        community=_community(body.place_id), name=body.name, kind=body.kind, signed_at=body.signed_at,
        source=body.source, terms=body.terms, notes=body.notes, parties=_parties(body.parties),
        area_ids=body.area_ids, corridor_ids=body.corridor_ids, by=request.auth)
    return Status(201, agreement_read(selectors.agreements().get(pk=agreement.pk), staff=True))


@op(router.get, "/agreements/{agreement_id}", perm=Perm.AGREEMENTS_VIEW, response=AgreementRead, by_alias=True)
def get_agreement(request, agreement_id: DbId = Path(...)):
    return agreement_read(get_object_or_404(selectors.agreements(), pk=agreement_id), staff=_is_staff(request))


@op(router.post, "/agreements/{agreement_id}/status", perm=Perm.AGREEMENTS_EDIT, response=AgreementRead,
    by_alias=True)
def set_status(request, body: AgreementStatusSet, agreement_id: DbId = Path(...)):
    """Record the status an agreement has from a moment on (`from`), with its source."""
    get_object_or_404(Agreement, pk=agreement_id)
    services.set_agreement_status(agreement_id=agreement_id, status=body.status, valid_from=body.from_,
                                  source=body.source, note=body.note, expected_version=body.version, by=request.auth)
    return agreement_read(selectors.agreements().get(pk=agreement_id), staff=True)
