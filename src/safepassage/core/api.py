"""API plumbing shared by every router: authentication, permission guard, pages, errors."""


import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.security import HttpBearer
from ninja.utils import check_csrf
from pydantic import AfterValidator, BeforeValidator, create_model

from safepassage.core.errors import NotAuthenticated
from safepassage.core.permissions import Perm, Role, role_has
from safepassage.core.principal import PUBLIC, Principal, principal_for_user

MAX_ID = 2_147_483_647  # fits every database's integer key


# Control characters other than tab and line breaks, lone surrogates and the two non-characters:
# PostgreSQL refuses NUL, XML (the CAP and OpenRosa exports) refuses all of them.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _no_nul(value: str) -> str:
    """Refuse at the edge, with a clear reason, text that could not be stored or exported."""
    if "\x00" in value:
        raise ValueError("text must not contain NUL characters")
    if _UNSTORABLE.search(value):
        raise ValueError("text must not contain control characters (other than tab and line breaks)")
    return value


# The same rule, declared in the OpenAPI document (without the surrogates, which JSON cannot carry alone).
_STORABLE = Field(json_schema_extra={"pattern": "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]*$"})
Text = Annotated[str, _STORABLE, AfterValidator(_no_nul)]
# A wall-clock time in a named timezone (kept beside it), so no UTC offset: "HH:MM".
LocalTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["08:00"])]
ShortText = Annotated[str, Field(max_length=200), _STORABLE, AfterValidator(_no_nul)]
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]

_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _written_out(value: Any) -> Any:
    """Refuse a bare number where a date or time is due: pydantic would read it as seconds."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("write it in ISO 8601 (e.g. 2016-10-20T08:00:00+03:00), not as a number")
    return value


DateTime = Annotated[datetime, BeforeValidator(_written_out)]
Day = Annotated[date, BeforeValidator(_written_out)]
TimeOfDay = Annotated[time, BeforeValidator(_written_out)]


def bearer_token(authorization: str) -> str | None:
    """The token of a well-formed `Authorization: Bearer <token>` header value, else None."""
    scheme, _, token = authorization.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


# The look-up of a bearer token's holder, set by the accounts app (core imports no app).
_token_holder: Callable[[str], Any] | None = None


def set_token_lookup(lookup: Callable[[str], Any]) -> None:
    """Register the function that finds the active user holding an API token (or None)."""
    global _token_holder
    _token_holder = lookup


def user_for_token(token: str) -> Any:
    """Return the active user holding this API token, or None."""
    if _token_holder is None:
        raise RuntimeError("no token look-up registered (the accounts app registers it when Django starts)")
    return _token_holder(token)


class PrincipalAuth(HttpBearer):
    """Bearer token, else the Django session (CSRF-checked for writes), else the public.

    With a permission, the check happens here, before any input is parsed: a caller who may
    not use a route learns nothing about its inputs (401 for the public, 403 otherwise).
    """

    def __init__(self, perm: Perm | None = None):
        super().__init__()
        self.perm = perm

    def __call__(self, request: HttpRequest) -> Principal:
        principal = self._identify(request)
        if self.perm is not None:
            principal.require(self.perm)
        return principal

    def _identify(self, request: HttpRequest) -> Principal:
        header = request.headers.get("Authorization")
        if header:
            token = bearer_token(header)
            if token is None:
                raise NotAuthenticated("the Authorization header must be 'Bearer <token>'")
            return self.authenticate(request, token)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if request.method not in ("GET", "HEAD", "OPTIONS") and check_csrf(request) is not None:
                raise NotAuthenticated("CSRF check failed: send the X-CSRFToken header with session requests")
            return principal_for_user(user, via="session")
        return PUBLIC

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        user = user_for_token(token)
        if user is None:
            raise NotAuthenticated("the API token is unknown or revoked")
        return principal_for_user(user, via="token")


def op(method: Callable[..., Callable], path: str, *, perm: Perm, **kwargs: Any) -> Callable:
    """Declare a route with the permission it needs; checked before anything else runs.

    The permission is also published in the OpenAPI document as `x-permission`, which the
    authorisation matrix test reads, so a route without a rule cannot slip in.
    """
    extra = {**kwargs.pop("openapi_extra", {}), "x-permission": perm.value}
    if role_has(Role.PUBLIC, perm):
        # The public may call it: ninja lists the bearer scheme, `{}` adds "or no token".
        extra["security"] = [{}]
    responses = kwargs.pop("response", None)
    if responses is not None:
        # Every guarded route can answer with the standard error body.
        responses = {**ERRORS, **(responses if isinstance(responses, dict) else {200: responses})}
    return method(path, auth=PrincipalAuth(perm), openapi_extra=extra, response=responses, **kwargs)


_PAGE_MODELS: dict[type, type] = {}


def Page(item: type[Schema]) -> type[Schema]:  # noqa: N802 - reads as a type
    """`{"items": [...], "count": N}` for a given item schema."""
    if item not in _PAGE_MODELS:
        _PAGE_MODELS[item] = create_model(f"{item.__name__}Page", __base__=Schema, items=(list[item], ...),
                                          count=(int, ...))
    return _PAGE_MODELS[item]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)


def page(qs, params: PageParams, to_item: Callable[[Any], Any]) -> dict:
    return {"items": [to_item(o) for o in qs[params.offset: params.offset + params.limit]],
            "count": qs.count()}


class ErrorItem(Schema):
    field: str
    reason: str


class Error(Schema):
    detail: str
    errors: list[ErrorItem] = []


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 411: Error, 413: Error, 422: Error}
