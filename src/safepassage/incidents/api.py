"""Claims: statements with their source and verification status."""

from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, Page, PageParams, op, page
from safepassage.core.permissions import Perm
from safepassage.incidents import selectors, services
from safepassage.incidents.schemas import ClaimCreate, ClaimFilters, ClaimRead, VerificationSet

router = Router(tags=["claims"])


@op(router.get, "/claims", perm=Perm.CLAIMS_VIEW, response=Page(ClaimRead))
def list_claims(request, filters: ClaimFilters = Query(...), paging: PageParams = Query(...)):
    qs = selectors.claims(verification=filters.verification, corridor_id=filters.corridor_id)
    return page(qs, paging, selectors.claim_read)


@op(router.post, "/claims", perm=Perm.CLAIMS_EDIT, response={201: ClaimRead})
def create_claim(request, body: ClaimCreate):
    """Record a statement attributed to its source; it starts unverified."""
    return Status(201, selectors.claim_read(services.record_claim(**body.dict(), by=request.auth)))


@op(router.get, "/claims/{claim_id}", perm=Perm.CLAIMS_VIEW, response=ClaimRead)
def get_claim(request, claim_id: DbId = Path(...)):
    return selectors.claim_read(selectors.claim_or_404(claim_id))


@op(router.post, "/claims/{claim_id}/verification", perm=Perm.CLAIMS_VERIFY, response=ClaimRead)
def set_verification(request, body: VerificationSet, claim_id: DbId = Path(...)):
    """A verifier sets the status and says on what evidence it rests."""
    selectors.claim_or_404(claim_id)
    return selectors.claim_read(services.set_claim_verification(claim_id=claim_id, verification=body.verification,
                                                      note=body.note, by=request.auth))
