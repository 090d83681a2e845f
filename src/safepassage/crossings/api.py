"""Crossing count routes: JSON submission, field forms (OpenRosa, Kobo), review, daily totals."""


import base64
import binascii
import functools
import hashlib
from typing import Any

from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Body, File, Path, Query, Router, Status
from ninja.files import UploadedFile

from safepassage.core.api import ERRORS, DbId, Page, PageParams, PrincipalAuth, op, page, user_for_token
from safepassage.core.errors import DomainError, InvalidInput
from safepassage.core.permissions import Perm
from safepassage.core.principal import PUBLIC, Principal, principal_for_user
from safepassage.core.timeutil import now, require_aware
from safepassage.crossings import intake, selectors, services, xlsform
from safepassage.crossings.models import COUNT_FIELDS, CrossingCount, MedevacCase, Source
from safepassage.crossings.schemas import (
    BatchCreate,
    BatchRead,
    CrossingCountCreate,
    CrossingCountDetail,
    CrossingCountFilters,
    CrossingCountPage,
    CrossingCountRead,
    CrossingSummary,
    Dashboard,
    IdentifyingParams,
    IdentifyingRead,
    MedevacCounts,
    MedevacCreate,
    MedevacFilters,
    MedevacRead,
    MedevacStatusSet,
    PurgeCreate,
    PurgeRead,
    ReviewCreate,
    SummaryParams,
)

router = Router(tags=["crossings"])


def _submitted(result: services.Submitted):
    return Status(200 if result.duplicate else 201, selectors.count_read(result.count, duplicate=result.duplicate))


@op(router.post, "/crossings/counts", perm=Perm.CROSSINGS_SUBMIT,
    response={200: CrossingCountRead, 201: CrossingCountRead})
def submit_count(request, body: CrossingCountCreate):
    """Submit a count (201); a retry with the same client_uuid and payload answers 200 with duplicate=true.

    The same client_uuid with a different payload is refused with 409 naming the field. A count outside
    the corridor's status, hours, direction or eligible groups is stored and flagged for review.
    Devices sending queued counts should use the batch route.
    """
    data = body.dict()
    counts = {f: data.pop(f) for f in COUNT_FIELDS}
    return _submitted(services.submit_crossing_count(**data, counts=counts, source=Source.API, by=request.auth))


@op(router.post, "/crossings/counts/batch", perm=Perm.CROSSINGS_SUBMIT, response=BatchRead)
def submit_batch(request, body: BatchCreate):
    """Submit up to 500 counts in one request (an offline device emptying its outbox).

    Each item is stored, recognised as a duplicate, or refused with its reason, independently of the
    others; the answer lists them in order. Resend the whole batch safely: stored items come back as
    duplicates.
    """
    items = []
    for entry in body.items:
        data = entry.dict()
        data["counts"] = {f: data.pop(f) for f in COUNT_FIELDS}
        items.append(data)
    results = services.submit_crossing_counts(items=items, source=Source.API, by=request.auth)
    out = []
    for r in results:
        row = {"index": r.index, "client_uuid": r.client_uuid, "status": r.status}
        if r.count is not None:
            row.update(id=r.count.pk, flags=r.count.flags)
        if r.error is not None:
            row.update(detail=r.error.reason, errors=r.error.as_dict()["errors"])
        out.append(row)
    return {"stored": sum(r.status == "stored" for r in results),
            "duplicates": sum(r.status == "duplicate" for r in results),
            "refused": sum(r.status == "refused" for r in results), "results": out}


@op(router.get, "/crossings/counts", perm=Perm.REPORTS_VIEW, response=CrossingCountPage)
def list_counts(request, filters: CrossingCountFilters = Query(...), paging: PageParams = Query(...)):
    """Counts, newest bucket first; only current versions unless current_only=false.

    With `as_of`, the counts behind the figures at that moment (what the daily bulletin links to); with `sum_of`,
    also their `sum` of that group. Without crossings.view (the public, party liaisons) you read those counted
    figures only, without notes, flags or sender.
    """
    since = require_aware(filters.since, "since") if filters.since else None
    until = require_aware(filters.until, "until") if filters.until else None
    as_of = require_aware(filters.as_of, "as_of") if filters.as_of else None
    staff = request.auth.can(Perm.CROSSINGS_VIEW)
    where = {"checkpoint_id": filters.checkpoint_id, "corridor_id": filters.corridor_id, "since": since,
             "until": until, "direction": filters.direction}
    if as_of is not None or not staff:
        qs = selectors.counted_as_of(as_of or now(), **where)
        if filters.review_status:
            qs = qs.filter(review_status=filters.review_status)
    else:
        qs = selectors.counts(**where, review_status=filters.review_status, current_only=filters.current_only)
    out = page(qs.select_related("submitted_by"), paging,
               selectors.count_read if staff else selectors.published_count_read)
    if filters.sum_of:
        out.update(sum_of=filters.sum_of, sum=qs.aggregate(s=Sum(filters.sum_of))["s"] or 0)
    return out


@op(router.get, "/crossings/counts/{count_id}", perm=Perm.CROSSINGS_VIEW, response=CrossingCountDetail)
def get_count(request, count_id: DbId = Path(...)):
    """One count with every version of its correction chain."""
    return selectors.count_detail(count_id)


@op(router.post, "/crossings/counts/{count_id}/review", perm=Perm.CROSSINGS_REVIEW, response=CrossingCountRead)
def review_count(request, body: ReviewCreate, count_id: DbId = Path(...)):
    """Confirm or reject a flagged count (a rejection needs a note); the count is never deleted."""
    get_object_or_404(CrossingCount, pk=count_id)
    count = services.review_crossing_count(count_id=count_id, decision=body.decision, note=body.note,
                                           by=request.auth)
    return selectors.count_read(count)


@op(router.get, "/crossings/summary", perm=Perm.CROSSINGS_VIEW, response=CrossingSummary)
def crossing_summary(request, params: SummaryParams = Query(...)):
    """A local day's crossings per corridor, direction and group, summed in the database."""
    return selectors.summary(params.day, params.tz)


# --- field forms --------------------------------------------------------------------------------

class FieldAuth(PrincipalAuth):
    """Also accept HTTP Basic with the user name and an API token as the password (ODK Collect, Kobo)."""

    def _identify(self, request: HttpRequest) -> Principal:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return super()._identify(request)
        try:
            username, _, token = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return PUBLIC
        user = user_for_token(token) if token else None
        if user is None or user.get_username() != username:
            return PUBLIC
        return principal_for_user(user, via="basic-token")


OPENROSA_HEADERS = {"X-OpenRosa-Version": "1.0", "X-OpenRosa-Accept-Content-Length": str(
    intake.MAX_SUBMISSION_BYTES)}


def _openrosa(message: str, status: int, *, ok: bool = True) -> HttpResponse:
    response = HttpResponse(intake.openrosa_response(message, ok=ok), status=status,
                            content_type="text/xml; charset=utf-8")
    for k, v in OPENROSA_HEADERS.items():
        response[k] = v
    return response


def field_op(method: str, path: str, *, perm: Perm, **kwargs: Any):
    """Like `op`, but answers the OpenRosa way: a Basic challenge on 401, errors as OpenRosa XML."""
    extra = {**kwargs.pop("openapi_extra", {}), "x-permission": perm.value}

    def decorate(handler):
        @functools.wraps(handler)
        def guarded(request, *args, **kw):
            principal: Principal = request.auth
            if not principal.can(perm):
                if principal.is_anonymous:
                    response = _openrosa("Sign in with your user name and API token.", 401, ok=False)
                    response["WWW-Authenticate"] = 'Basic realm="Safe Passage"'
                    return response
                return _openrosa(f"Your role ({principal.role}) may not submit crossing counts.", 403, ok=False)
            try:
                return handler(request, *args, **kw)
            except DomainError as exc:
                fields = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors) or exc.reason
                return _openrosa(fields, exc.status, ok=False)

        guarded.required_permission = perm  # type: ignore[attr-defined]
        return router.api_operation([method], path, auth=FieldAuth(), openapi_extra=extra, **kwargs)(guarded)

    return decorate


@field_op("HEAD", "/crossings/openrosa/submission", perm=Perm.CROSSINGS_SUBMIT, include_in_schema=False)
def openrosa_head(request):
    """OpenRosa pre-flight: ODK Collect checks authentication and the size limit."""
    return _openrosa("ready", 204)


_XML = {"text/xml": {"schema": {"type": "string"}}}
_JSON_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
OPENROSA_RESPONSES = {
    code: {"content": {**_XML, **(_JSON_ERROR if code >= 400 else {})}, "description": text}
    for code, text in [
        (201, "stored"), (202, "already stored (a retry)"), (400, "malformed request"),
        (401, "sign in (HTTP Basic: user name and API token)"), (403, "role may not submit"), (404, "not found"),
        (409, "instanceID reused for a different submission"), (422, "refused, with the reason")]}


@field_op("POST", "/crossings/openrosa/submission", perm=Perm.CROSSINGS_SUBMIT,
          openapi_extra={"responses": OPENROSA_RESPONSES})
def openrosa_submission(request, xml_submission_file: UploadedFile | None = File(None)):
    """OpenRosa form submission (multipart `xml_submission_file`) from ODK Collect or Enketo.

    Answers 201 when stored, 202 when this instanceID was already stored (a retry), with an OpenRosa
    response document; `meta/deprecatedID` marks an edited submission as a correction.
    """
    if xml_submission_file is None:
        raise InvalidInput("send the form instance as the multipart part xml_submission_file",
                           field="xml_submission_file")
    kwargs = intake.from_openrosa(xml_submission_file.read(intake.MAX_SUBMISSION_BYTES + 1))
    result = services.submit_crossing_count(**kwargs, source=Source.OPENROSA, by=request.auth)
    if result.duplicate:
        return _openrosa(f"Already received (count #{result.count.pk}).", 202)
    return _openrosa(f"Stored as count #{result.count.pk}"
                     + (" and flagged for review." if result.count.flags else "."), 201)


_FORM_LIST = {200: {"content": _XML, "description": "OpenRosa form list"}}


@field_op("GET", "/crossings/openrosa/formList", perm=Perm.CROSSINGS_SUBMIT,
          openapi_extra={"responses": {**OPENROSA_RESPONSES, **_FORM_LIST}})
def openrosa_form_list(request):
    """OpenRosa form list: set ODK Collect's server URL to `<site>/api/crossings/openrosa`."""
    from xml.sax.saxutils import escape

    xform = xlsform.XFORM_PATH.read_bytes()
    url = request.build_absolute_uri("/api/crossings/openrosa/forms/checkpoint_count.xml")
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="http://openrosa.org/xforms/xformsList">'
            f"<xform><formID>{xlsform.FORM_ID}</formID><name>{escape(xlsform.FORM_TITLE)}</name>"
            f"<version>{xlsform.FORM_VERSION}</version><hash>md5:{hashlib.md5(xform, usedforsecurity=False).hexdigest()}</hash>"
            f"<downloadUrl>{escape(url)}</downloadUrl></xform></xforms>")
    response = HttpResponse(body, content_type="text/xml; charset=utf-8")
    for k, v in OPENROSA_HEADERS.items():
        response[k] = v
    return response


@field_op("GET", "/crossings/openrosa/forms/checkpoint_count.xml", perm=Perm.CROSSINGS_SUBMIT,
          openapi_extra={"responses": {**OPENROSA_RESPONSES, 200: {"content": _XML, "description": "XForm"}}})
def openrosa_form(request):
    """The checkpoint count XForm (converted from the XLSForm by pyxform)."""
    response = HttpResponse(xlsform.XFORM_PATH.read_bytes(), content_type="text/xml; charset=utf-8")
    for k, v in OPENROSA_HEADERS.items():
        response[k] = v
    return response


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@field_op("GET", "/crossings/forms/checkpoint_count.xlsx", perm=Perm.CROSSINGS_SUBMIT,
          openapi_extra={"responses": {**OPENROSA_RESPONSES,
                                       200: {"content": {_XLSX: {"schema": {"type": "string", "format": "binary"}}},
                                               "description": "XLSForm for KoboToolbox"}}})
def xlsform_download(request):
    """The XLSForm, to upload to KoboToolbox (then add a REST service pointing at /api/crossings/kobo)."""
    response = HttpResponse(xlsform.FORM_PATH.read_bytes(), content_type=_XLSX)
    response["Content-Disposition"] = 'attachment; filename="checkpoint_count.xlsx"'
    return response


@router.post("/crossings/kobo", auth=FieldAuth(Perm.CROSSINGS_SUBMIT),
             openapi_extra={"x-permission": Perm.CROSSINGS_SUBMIT.value},
             response={**ERRORS, 200: CrossingCountRead, 201: CrossingCountRead})
def kobo_submission(request, payload: dict[str, Any] = Body(...)):
    """KoboToolbox REST service (JSON): keys are question paths; `meta/instanceID` is the idempotency key."""
    kwargs = intake.from_kobo(payload)
    return _submitted(services.submit_crossing_count(**kwargs, source=Source.KOBO, by=request.auth))


# --- medical evacuations -------------------------------------------------------------------------


@op(router.post, "/medevac/cases", perm=Perm.MEDEVAC_EDIT, response={200: MedevacRead, 201: MedevacRead})
def create_case(request, body: MedevacCreate):
    """Open a case under a pseudonymous case number (201; a retry of the same client_uuid answers 200).

    Names and identifying details are optional, encrypted at rest, and never returned here.
    """
    result = services.create_medevac_case(**body.dict(), by=request.auth)
    medical = selectors.may_read_medical(request.auth)
    return Status(200 if result.duplicate else 201,
                  selectors.case_read(selectors.case_or_404(result.case.pk), medical=medical, duplicate=result.duplicate))


@op(router.get, "/medevac/cases", perm=Perm.MEDEVAC_CASES_VIEW, response=Page(MedevacRead))
def list_cases(request, filters: MedevacFilters = Query(...), paging: PageParams = Query(...)):
    """Cases and their timelines, pseudonymous; condition summaries for the medical role only."""
    medical = selectors.may_read_medical(request.auth)
    qs = selectors.medevac_cases(status=filters.status, corridor_id=filters.corridor_id, triage=filters.triage)
    return page(qs.prefetch_related("events"), paging, lambda c: selectors.case_read(c, medical=medical))


@op(router.get, "/medevac/summary", perm=Perm.MEDEVAC_VIEW, response=MedevacCounts)
def case_counts(request):
    """Anonymous counts by status and triage category."""
    return selectors.medevac_counts()


@op(router.get, "/medevac/cases/{case_id}", perm=Perm.MEDEVAC_CASES_VIEW, response=MedevacRead)
def get_case(request, case_id: DbId = Path(...)):
    return selectors.case_read(selectors.case_or_404(case_id), medical=selectors.may_read_medical(request.auth))


@op(router.post, "/medevac/cases/{case_id}/status", perm=Perm.MEDEVAC_CASES_VIEW, response=MedevacRead)
def set_case_status(request, body: MedevacStatusSet, case_id: DbId = Path(...)):
    """Move a case: waiting → moved → handed_over or died_en_route (medical role).

    Leaving and arriving are checked against the case's corridor status and hours at the time given; outside
    them the move is refused with the reason, unless a coordinator records it with `override_reason`.
    """
    get_object_or_404(MedevacCase, pk=case_id)
    services.set_medevac_status(case_id=case_id, status=body.status, at=body.at, note=body.note,
                                expected_version=body.version, override_reason=body.override_reason,
                                by=request.auth)
    return selectors.case_read(selectors.case_or_404(case_id), medical=selectors.may_read_medical(request.auth))


@op(router.get, "/medevac/cases/{case_id}/identifying", perm=Perm.MEDICAL_IDENTIFYING_VIEW,
    response=IdentifyingRead)
def read_identifying(request, params: IdentifyingParams = Query(...), case_id: DbId = Path(...)):
    """Name and identifying details (medical role only); every read is written to the audit log with its purpose."""
    return services.read_identifying(case_id=case_id, principal=request.auth, purpose=params.purpose)


@op(router.post, "/medevac/retention/purge", perm=Perm.MEDEVAC_EDIT, response=PurgeRead)
def purge(request, body: PurgeCreate):
    """Erase identifying details older than the retention period; cases and counts stay."""
    return {"purged": services.purge_identifying(older_than_days=body.older_than_days, by=request.auth)}


# --- live picture ----------------------------------------------------------------------------------


@op(router.get, "/crossings/dashboard", perm=Perm.CROSSINGS_VIEW, response=Dashboard)
def live_dashboard(request, params: SummaryParams = Query(...)):
    """The live picture in one call: today's crossings, exits against capacity and stock, evacuations by status."""
    return selectors.dashboard(request.auth, day=params.day, tz=params.tz)
