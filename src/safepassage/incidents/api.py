"""Claims: statements with their source and verification status."""


from datetime import date
from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from safepassage.core.api import DbId, Page, PageParams, ShortText, Text, op, page
from safepassage.core.permissions import Perm
from safepassage.incidents import services
from safepassage.incidents.models import Claim

router = Router(tags=["claims"])

VerificationT = Literal["verified", "unverified", "pending_verification", "falsely_attributed", "rejected"]


class ClaimCreate(Schema):
    summary: Text = Field(..., min_length=1, max_length=4000)
    quote: Text = Field("", max_length=20000)
    source_name: ShortText
    speaker: ShortText = ""
    source_url: Text = Field("", max_length=500)
    published_on: date | None = None
    published_note: ShortText = ""
    category: Text = Field("", max_length=60)
    place_ids: list[DbId] = Field(default_factory=list, max_length=200)
    corridor_ids: list[DbId] = Field(default_factory=list, max_length=200)


class ClaimRead(Schema):
    id: int
    summary: str
    quote: str
    source_name: str
    speaker: str
    source_url: str
    published_on: date | None
    published_note: str
    category: str
    verification: str
    verification_note: str
    place_ids: list[int]
    corridor_ids: list[int]


class ClaimFilters(Schema):
    verification: VerificationT | None = None
    corridor_id: DbId | None = None


class VerificationSet(Schema):
    verification: VerificationT
    note: Text = Field(..., min_length=1, max_length=4000)


def claim_read(c: Claim) -> dict:
    return {
        "id": c.pk, "summary": c.summary, "quote": c.quote, "source_name": c.source_name, "speaker": c.speaker,
        "source_url": c.source_url, "published_on": c.published_on, "published_note": c.published_note,
        "category": c.category, "verification": c.verification, "verification_note": c.verification_note,
        "place_ids": sorted(p.pk for p in c.places.all()),
        "corridor_ids": sorted(x.pk for x in c.corridors.all()),
    }


@op(router.get, "/claims", perm=Perm.CLAIMS_VIEW, response=Page(ClaimRead))
def list_claims(request, filters: ClaimFilters = Query(...), paging: PageParams = Query(...)):
    qs = Claim.objects.prefetch_related("places", "corridors").order_by("-published_on", "id")
    if filters.verification:
        qs = qs.filter(verification=filters.verification)
    if filters.corridor_id:
        qs = qs.filter(corridors=filters.corridor_id)
    return page(qs, paging, claim_read)


@op(router.post, "/claims", perm=Perm.CLAIMS_EDIT, response={201: ClaimRead})
def create_claim(request, body: ClaimCreate):
    """Record a statement attributed to its source; it starts unverified."""
    return Status(201, claim_read(services.record_claim(**body.dict(), by=request.auth)))


@op(router.get, "/claims/{claim_id}", perm=Perm.CLAIMS_VIEW, response=ClaimRead)
def get_claim(request, claim_id: DbId = Path(...)):
    return claim_read(get_object_or_404(Claim, pk=claim_id))


@op(router.post, "/claims/{claim_id}/verification", perm=Perm.CLAIMS_VERIFY, response=ClaimRead)
def set_verification(request, body: VerificationSet, claim_id: DbId = Path(...)):
    """A verifier sets the status and says on what evidence it rests."""
    get_object_or_404(Claim, pk=claim_id)
    return claim_read(services.set_claim_verification(claim_id=claim_id, verification=body.verification,
                                                      note=body.note, by=request.auth))
