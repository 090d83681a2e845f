"""Who am I, parties, and user management."""


from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from safepassage.accounts import selectors, services
from safepassage.core.api import DateTime, DbId, Page, PageParams, ShortText, op, page
from safepassage.core.permissions import ROLE_PERMISSIONS, Perm, Role

router = Router(tags=["accounts"])
tokens_router = Router(tags=["accounts"])  # registered last in safepassage.api
# every role an account can hold: the public role is what signing in leaves behind
AssignableRole = Literal[tuple(r.value for r in Role if r is not Role.PUBLIC)]  # type: ignore[valid-type]


class Me(Schema):
    username: str | None
    role: str
    party_id: int | None
    permissions: list[str]


class PartyRead(Schema):
    id: int
    name: str
    short_name: str
    name_ar: str
    color: str


class UserCreate(Schema):
    username: ShortText = Field(..., min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    role: AssignableRole
    password: ShortText | None = Field(None, min_length=10)
    organisation_id: DbId | None = None
    party_id: DbId | None = None


class UserRead(Schema):
    id: int
    username: str
    role: str
    party_id: int | None
    organisation_id: int | None


@op(router.get, "/me", perm=Perm.PLACES_VIEW, response=Me)
def me(request):
    """The caller's role and permissions (anonymous callers get the public role)."""
    p = request.auth
    return {"username": None if p.is_anonymous else p.user.username, "role": p.role, "party_id": p.party_id,
            "permissions": sorted(ROLE_PERMISSIONS[Role(p.role)])}


@op(router.get, "/parties", perm=Perm.PARTIES_VIEW, response=Page(PartyRead))
def list_parties(request, paging: PageParams = Query(...)):
    return page(selectors.parties(), paging, selectors.party_read)


@op(router.post, "/users", perm=Perm.USERS_MANAGE, response={201: UserRead})
def create_user(request, body: UserCreate):
    org = selectors.organisation_or_refuse(body.organisation_id)
    party = selectors.party_or_refuse(body.party_id)
    user = services.create_user(username=body.username, role=body.role, password=body.password,
                                organisation=org, party=party, by=request.auth)
    return Status(201, selectors.user_read(user))


class TokenRead(Schema):
    id: int
    username: str
    name: str
    prefix: str
    created_at: DateTime
    expires_at: DateTime | None
    revoked_at: DateTime | None


@op(tokens_router.get, "/tokens", perm=Perm.TOKENS_OWN, response=Page(TokenRead))
def list_tokens(request, paging: PageParams = Query(...)):
    """The caller's API tokens (an admin's: everyone's), newest first; never the token itself."""
    return page(selectors.tokens_for(request.auth), paging, selectors.token_read)


@op(tokens_router.post, "/tokens/{token_id}/revoke", perm=Perm.TOKENS_OWN, response=TokenRead)
def revoke_token(request, token_id: DbId):
    """Revoke one of the caller's tokens (an admin: anyone's); refused from the next request on."""
    return selectors.token_read(services.revoke_token(token_id=token_id, by=request.auth))
