"""Writers for accounts: every change is audited in the same transaction."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from safepassage.accounts.models import ApiToken, Organisation, Party, User
from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput
from safepassage.core.permissions import Role
from safepassage.core.timeutil import now


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def create_organisation(*, name: str, acronym: str = "", by) -> Organisation:
    org = Organisation.objects.create(name=name, acronym=acronym)
    record(actor=by, action="organisation.created", obj=org, after={"name": name, "acronym": acronym})
    return org


@transaction.atomic
def create_party(*, name: str, short_name: str, name_ar: str = "", color: str = "#888888",
                 description: str = "", by) -> Party:
    party = Party.objects.create(name=name, short_name=short_name, name_ar=name_ar, color=color,
                                 description=description)
    record(actor=by, action="party.created", obj=party, after={"name": name, "short_name": short_name})
    return party


@transaction.atomic
def create_user(*, username: str, role: str, password: str | None, organisation: Organisation | None = None,
                party: Party | None = None, by) -> User:
    try:
        role = Role(role)
    except ValueError as exc:
        raise InvalidInput(f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}",
                           field="role") from exc
    if role == Role.PUBLIC:
        raise InvalidInput("the public role is for visitors who are not signed in", field="role")
    if role == Role.PARTY_LIAISON and party is None:
        raise InvalidInput("a party liaison must belong to a party", field="party")
    if User.objects.filter(username=username).exists():
        raise InvalidInput("this username is taken", field="username")
    user = User(username=username, role=role, organisation=organisation, party=party,
                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record(actor=by, action="user.created", obj=user,
           after={"username": username, "role": role.value, "party": party and party.pk,
                  "organisation": organisation and organisation.pk})
    return user


@transaction.atomic
def issue_token(*, user: User, name: str = "default", by) -> str:
    """Return a new plaintext token; it is shown once and stored only as a digest."""
    token = "sp_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, prefix=token[3:11], digest=token_digest(token),
                            created_at=now())
    record(actor=by, action="token.issued", obj=user, after={"name": name, "prefix": token[3:11]})
    return token


def user_for_token(token: str) -> User | None:
    """Return the active user holding this unrevoked token, or None."""
    found = (ApiToken.objects.select_related("user")
             .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True).first())
    return found.user if found else None
