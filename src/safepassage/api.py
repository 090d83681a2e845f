"""The JSON API: one NinjaAPI, a router per domain app, errors as JSON naming field and reason."""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from safepassage import __version__
from safepassage.core.api import PrincipalAuth
from safepassage.core.errors import DomainError

log = logging.getLogger(__name__)


api = NinjaAPI(
    title="Safe Passage API",
    version=__version__,
    description=(
        "Humanitarian corridors, pauses and access. Send `Authorization: Bearer <token>`; without it you act as "
        "the public and may read only what is published for civilians (areas, corridors, checkpoints, pauses). "
        "Every route's permission is listed as `x-permission`. Errors: `{detail, errors: [{field, reason}]}`."
    ),
    auth=PrincipalAuth(),
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


def _register_routers() -> None:
    from safepassage.accounts.api import router as accounts
    from safepassage.accounts.api import tokens_router
    from safepassage.audit.api import router as audit
    from safepassage.convoys.api import router as convoys
    from safepassage.corridors.api import router as corridors
    from safepassage.crossings.api import router as crossings
    from safepassage.deconfliction.api import router as deconfliction
    from safepassage.incidents.api import router as incidents
    from safepassage.jobs.api import router as jobs
    from safepassage.pauses.api import router as pauses
    from safepassage.places.api import router as places
    from safepassage.plans.api import router as plans
    from safepassage.servicepoints.api import router as servicepoints
    from safepassage.web.api import router as web

    # The tokens router last: the authorisation matrix revokes token 1, the admin's, only after the other routes.
    for router in (accounts, places, corridors, pauses, incidents, audit, web, deconfliction, convoys, crossings,
                   servicepoints, plans, jobs, tokens_router):
        api.add_router("/", router)


_register_routers()
