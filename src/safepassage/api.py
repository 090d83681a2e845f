"""The JSON API: one NinjaAPI, a router per domain app, errors as JSON naming field and reason."""

from __future__ import annotations

import functools
import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.http import Http404, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views import defaults
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from safepassage import __version__
from safepassage.core.api import PrincipalAuth
from safepassage.core.errors import DomainError

log = logging.getLogger(__name__)


class ObjectBodyParser(Parser):
    """Read a JSON body; every route takes an object, so a list, string or number is refused (400)."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, dict):
            raise ValueError("the JSON body must be an object")
        return data


api = NinjaAPI(
    title="Safe Passage API",
    version=__version__,
    description=(
        "Humanitarian corridors, pauses and access. Send `Authorization: Bearer <token>`; without it you act as "
        "the public and may read only what is published for civilians (areas, corridors, checkpoints, pauses). "
        "Every route's permission is listed as `x-permission`. Errors: `{detail, errors: [{field, reason}]}`."
    ),
    auth=PrincipalAuth(),
    parser=ObjectBodyParser(),
    urls_namespace="api",
)


def _json(request, status: int, detail: str, errors: list[dict] | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(DomainError)
def domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = []
    for e in exc.errors:
        loc = [str(x) for x in e.get("loc", ()) if x not in ("body", "query", "path")]
        # ninja nests the body under the parameter name ("body"), drop that too
        if loc and loc[0] in ("body", "filters", "paging", "params"):
            loc = loc[1:]
        errors.append({"field": ".".join(loc) or "body", "reason": e.get("msg", "invalid")})
    summary = "; ".join(f"{x['field']}: {x['reason']}" for x in errors[:3])
    return _json(request, 422, f"invalid input — {summary}", errors)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc):
    return _json(request, 401, "authentication required")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return _json(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def not_found(request, exc):
    return _json(request, 404, "not found")


@api.exception_handler(ObjectDoesNotExist)
def object_not_found(request, exc):
    return _json(request, 404, "not found")


@api.exception_handler(MultiPartParserError)
def malformed_multipart(request, exc):
    return _json(request, 400, "the multipart body is malformed (a multipart/form-data Content-Type needs a "
                               "boundary= parameter naming the separator the parts use)", [
        {"field": "Content-Type", "reason": "malformed multipart/form-data"}])


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    return _json(request, 413, f"the request body is larger than this route accepts "
                               f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes)")


def body_limit(run):
    """Refuse, before anything is read, a body over the route's limit (413) or of unknown length (411).

    The limit is DATA_UPLOAD_MAX_MEMORY_SIZE (SAFEPASSAGE_API_MAX_BODY), or the route's own in
    SAFEPASSAGE_ROUTE_MAX_BODY (by URL name; for uploads, whose file parts Django does not count).
    A chunked body has no length to check, and Django would read it as empty: it is refused.
    """

    @functools.wraps(run)
    def checked(request, *args, **kwargs):
        if request.method in ("POST", "PUT", "PATCH"):
            length = request.META.get("CONTENT_LENGTH") or ""
            if not length and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
                return _json(request, 411, "send the body with a Content-Length (chunked bodies are not read)")
            match = request.resolver_match
            limit = settings.SAFEPASSAGE_ROUTE_MAX_BODY.get(match.url_name if match else "",
                                                            settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
            if limit is not None and length.isdigit() and int(length) > limit:
                return _json(request, 413, f"the request body is larger than this route accepts ({limit} bytes)")
        return run(request, *args, **kwargs)

    return checked


api.add_decorator(body_limit, mode="view")


def _register_routers() -> None:
    from safepassage.accounts.api import router as accounts
    from safepassage.accounts.api import tokens_router
    from safepassage.agreements.api import router as agreements
    from safepassage.audit.api import router as audit
    from safepassage.convoys.api import router as convoys
    from safepassage.corridors.api import router as corridors
    from safepassage.crossings.api import router as crossings
    from safepassage.deconfliction.api import router as deconfliction
    from safepassage.incidents.api import router as incidents
    from safepassage.incidents.hazards_api import router as hazards
    from safepassage.jobs.api import router as jobs
    from safepassage.pauses.api import router as pauses
    from safepassage.places.api import router as places
    from safepassage.plans.api import router as plans
    from safepassage.reports.api import router as reports
    from safepassage.servicepoints.api import router as servicepoints
    from safepassage.web.api import router as web

    # The tokens router last: the authorisation matrix revokes token 1, the admin's, only after the other routes.
    for router in (accounts, places, corridors, pauses, incidents, audit, web, deconfliction, convoys, crossings,
                   servicepoints, plans, jobs, agreements, hazards, reports, tokens_router):
        api.add_router("/", router)


_register_routers()


# Error pages (urls.py's handler400/403/404/500): JSON under /api/, plain translated pages elsewhere.
# Nothing of the request or the failure is shown.
_ERRORS = {400: "bad request", 403: "forbidden", 404: "not found", 500: "server error"}


def _api_error(request, status: int):
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _ERRORS[status], "errors": []}, status=status)
    return None


def bad_request(request, exception):
    return _api_error(request, 400) or defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return _api_error(request, 403) or defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return _api_error(request, 404) or defaults.page_not_found(request, exception)


def server_error(request):
    return _api_error(request, 500) or defaults.server_error(request)
