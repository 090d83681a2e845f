"""Claims (statements with their source) and incidents with sources, evidence and verification."""



from django.http import StreamingHttpResponse
from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, Error, Page, PageParams, op, page
from safepassage.core.errors import InvalidInput
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import require_aware
from safepassage.incidents import evidence, schemas, selectors, services
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


# ---------------------------------------------------------------------------------------------------------------
# Incidents (issue 18)

incident_router = Router(tags=["incidents"])


@op(incident_router.post, "/claims/{claim_id}/incident", perm=Perm.INCIDENTS_EDIT,
    response={201: schemas.IncidentDetail})
def incident_from_claim(request, claim_id: DbId = Path(...)):
    """Make a claim the party-statement source of a new incident; the claim keeps its own history."""
    incident = services.incident_from_claim(claim_id=claim_id, by=request.auth)
    return Status(201, selectors.incident_detail(incident, request.auth))

_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "why"],
    "properties": {"file": {"type": "string", "format": "binary"},
                   "why": {"type": "string", "description": "from whom and why it was received (custody)"},
                   "note": {"type": "string"}}}}}}}


@op(incident_router.get, "/incidents", perm=Perm.INCIDENTS_VIEW, response=Page(schemas.IncidentRead))
def list_incidents(request, filters: schemas.IncidentFilters = Query(...), paging: PageParams = Query(...)):
    """Incidents; the public sees the verified and published ones, protected locations coarsened.

    `began_from`/`began_to` select by when an incident began, `as_of` those recorded by then (the bulletin's links).
    """
    where = filters.dict()
    for name in ("began_from", "began_to", "as_of"):
        if where[name] is not None:
            where[name] = require_aware(where[name], name)
    qs = selectors.list_incidents(request.auth, **where)
    return page(qs, paging, lambda i: selectors.incident_summary(i, request.auth))


@op(incident_router.post, "/incidents", perm=Perm.INCIDENTS_EDIT, response={201: schemas.IncidentDetail})
def create_incident(request, body: schemas.IncidentCreate):
    """Record an incident; it starts unverified and unpublished."""
    incident = services.record_incident(**body.dict(), by=request.auth)
    return Status(201, selectors.incident_detail(incident, request.auth))


@op(incident_router.get, "/incidents/{incident_id}", perm=Perm.INCIDENTS_VIEW, response=schemas.IncidentDetail)
def get_incident(request, incident_id: DbId = Path(...)):
    """An incident with its sources (never their identities), evidence hashes and verification history."""
    return selectors.incident_detail(selectors.get_incident(request.auth, incident_id), request.auth)


@op(incident_router.patch, "/incidents/{incident_id}", perm=Perm.INCIDENTS_EDIT, response=schemas.IncidentDetail)
def update_incident(request, body: schemas.IncidentUpdate, incident_id: DbId = Path(...)):
    selectors.get_incident(request.auth, incident_id)
    incident = services.update_incident(incident_id=incident_id, **body.dict(exclude_unset=True), by=request.auth)
    return selectors.incident_detail(incident, request.auth)


@op(incident_router.post, "/incidents/{incident_id}/sources", perm=Perm.INCIDENTS_EDIT,
    response={201: schemas.SourceRead})
def add_source(request, body: schemas.SourceCreate, incident_id: DbId = Path(...)):
    """Add a source; a person's identity is encrypted at rest and never returned here."""
    selectors.get_incident(request.auth, incident_id)
    return Status(201, selectors.source_read(services.add_source(incident_id=incident_id, **body.dict(),
                                                                 by=request.auth)))


@op(incident_router.post, "/sources/{source_id}/identity", perm=Perm.SOURCES_IDENTITY_VIEW,
    response=schemas.IdentityOut)
def read_source_identity(request, body: schemas.IdentityRead, source_id: DbId = Path(...)):
    """Read a source's identity, stating the purpose; the read is written to the audit log."""
    return services.read_source_identity(source_id=source_id, principal=request.auth, purpose=body.purpose)


@op(incident_router.post, "/incidents/{incident_id}/attributions", perm=Perm.INCIDENTS_EDIT,
    response={201: schemas.AttributionRead})
def add_attribution(request, body: schemas.AttributionCreate, incident_id: DbId = Path(...)):
    """Record who did it according to one of the incident's sources (party null: unknown)."""
    selectors.get_incident(request.auth, incident_id)
    services.add_attribution(incident_id=incident_id, **body.dict(), by=request.auth)
    detail = selectors.incident_detail(selectors.get_incident(request.auth, incident_id), request.auth)
    return Status(201, detail["attributions"][-1])


@op(incident_router.post, "/incidents/{incident_id}/evidence", perm=Perm.INCIDENTS_EDIT,
    response={201: schemas.EvidenceRead, 413: Error}, openapi_extra=_UPLOAD_BODY)
def upload_evidence(request, incident_id: DbId = Path(...)):
    """Upload a file (multipart `file`, `why`, `note`): hashed as it arrives, stored once by SHA-256."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > evidence.max_bytes() + evidence.CHUNK:
        raise evidence.too_large(int(length))
    selectors.get_incident(request.auth, incident_id)
    if not hasattr(request, "_files"):
        request.upload_handlers = [evidence.HashingUploadHandler(request)]
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput("send the file as multipart/form-data field 'file'", field="file")
    link = services.receive_evidence(incident_id=incident_id, upload=upload, note=request.POST.get("note", ""),
                                     why=request.POST.get("why", ""), by=request.auth)
    return Status(201, selectors.evidence_read(link))


@op(incident_router.get, "/evidence/{file_id}/download", perm=Perm.EVIDENCE_VIEW, response={200: None})
def download_evidence(request, params: schemas.DownloadParams = Query(...), file_id: DbId = Path(...)):
    """Stream an original file after checking its SHA-256 again; the custody entry says who and why."""
    file = services.open_evidence(file_id=file_id, purpose=params.purpose, why=params.why, principal=request.auth)
    return _stream(file)


@op(incident_router.post, "/evidence/{file_id}/transfers", perm=Perm.EVIDENCE_VIEW,
    response={201: schemas.TransferOut})
def transfer_evidence(request, body: schemas.Transfer, file_id: DbId = Path(...)):
    """Record in the chain of custody that the file was handed to someone, and why."""
    file = services.transfer_evidence(file_id=file_id, to=body.to, why=body.why, by=request.auth)
    return Status(201, {"file_id": file.pk, "sha256": file.sha256})


@op(incident_router.post, "/incidents/{incident_id}/evidence/{link_id}/public-copy", perm=Perm.INCIDENTS_VERIFY,
    response={201: schemas.EvidenceRead})
def publish_image_copy(request, incident_id: DbId = Path(...), link_id: DbId = Path(...)):
    """Make the copy of an image shown with a published incident: EXIF/GPS removed; the original stays restricted."""
    link = services.publish_image_copy(incident_id=incident_id, link_id=link_id, by=request.auth)
    return Status(201, selectors.evidence_read(link))


@op(incident_router.get, "/incidents/{incident_id}/images/{link_id}", perm=Perm.INCIDENTS_VIEW,
    response={200: None})
def public_image(request, incident_id: DbId = Path(...), link_id: DbId = Path(...)):
    """The metadata-free copy of an image of an incident you may see."""
    link = selectors.public_image(request.auth, incident_id, link_id)
    services.check_integrity(file=link.published_copy, by=request.auth)
    return _stream(link.published_copy)


def _stream(file) -> StreamingHttpResponse:
    response = StreamingHttpResponse(evidence.stream(file.storage_name),
                                     content_type=file.content_type or "application/octet-stream")
    response["Content-Length"] = str(file.size)
    response["Content-Disposition"] = f'attachment; filename="{file.sha256}"'
    response["X-Content-SHA256"] = file.sha256
    return response


@op(incident_router.post, "/incidents/{incident_id}/publication", perm=Perm.INCIDENTS_VERIFY,
    response=schemas.IncidentDetail)
def set_publication(request, body: schemas.Publication, incident_id: DbId = Path(...)):
    """Publish or withdraw; the public sees an incident only once it is also verified."""
    incident = services.set_publication(incident_id=incident_id, published=body.published, by=request.auth)
    return selectors.incident_detail(incident, request.auth)


@op(incident_router.get, "/review-queue", perm=Perm.INCIDENTS_VERIFY, response=Page(schemas.QueueItem))
def review_queue(request, filters: schemas.QueueFilters = Query(...), paging: PageParams = Query(...)):
    """Incidents awaiting a decision or a second verifier, with who holds each."""
    qs = selectors.review_queue(mine_of=request.auth.user if filters.mine else None)
    return page(qs, paging, selectors.queue_item)


@op(incident_router.post, "/incidents/{incident_id}/review", perm=Perm.INCIDENTS_VERIFY,
    response=schemas.QueueItem)
def take_for_review(request, body: schemas.TakeReview, incident_id: DbId = Path(...)):
    """Take an item; if another verifier holds it: 409 naming them, unless takeover is true."""
    return selectors.queue_item(services.take_for_review(incident_id=incident_id, takeover=body.takeover,
                                                         by=request.auth))


@op(incident_router.delete, "/incidents/{incident_id}/review", perm=Perm.INCIDENTS_VERIFY,
    response=schemas.QueueItem)
def release_review(request, incident_id: DbId = Path(...)):
    return selectors.queue_item(services.release_review(incident_id=incident_id, by=request.auth))


@op(incident_router.post, "/incidents/{incident_id}/decisions", perm=Perm.INCIDENTS_VERIFY,
    response={201: schemas.DecisionRead})
def decide(request, body: schemas.DecisionCreate, incident_id: DbId = Path(...)):
    """Decide a status, naming the evidence and sources; a grave violation's 'verified' awaits a second verifier."""
    return Status(201, selectors.decision_read(services.decide(incident_id=incident_id, **body.dict(),
                                                               by=request.auth)))


@op(incident_router.post, "/decisions/{decision_id}/confirmation", perm=Perm.INCIDENTS_VERIFY,
    response=schemas.DecisionRead)
def confirm_decision(request, body: schemas.Confirmation, decision_id: DbId = Path(...)):
    """A second, different verifier confirms a grave violation's 'verified'."""
    return selectors.decision_read(services.confirm_decision(decision_id=decision_id, note=body.note,
                                                             by=request.auth))


router.add_router("/", incident_router)
