"""Writers for accounts: every change is audited in the same transaction."""

from __future__ import annotations

import functools
import hashlib
import secrets

from django.db import DEFAULT_DB_ALIAS, connection, transaction

from safepassage.accounts.models import ApiToken, Organisation, Party, User
from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput
from safepassage.core.fastsql import run
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


_DIGEST_SENTINEL = "#digest#"


def user_for_token(token: str) -> User | None:
    """The active user holding this unrevoked token, or None (one compiled statement, `token_holders`)."""
    statement = token_holders.statement([token])
    return token_holders.instances(run(*statement), statement).get(token_digest(token))


class _TokenHolders:
    """The active users holding any of some unrevoked tokens, each with the digest it was found by.

    Every API request with a token runs it (`user_for_token`), and the count intake for all the tokens
    of a batch of requests at once, with its other reads (`fastsql.fetch_together` calls `statement`
    and `instances`; see `core.principal.TokenClaim`). Compiled once per number of tokens: building
    and compiling the ORM query each time cost more than the query itself (about 1 ms against 0.1 ms).
    """

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one instance, as long as the process
    def _compiled(self, vendor: str, n: int):
        sentinels = [f"{_DIGEST_SENTINEL}{i}" for i in range(n)]
        # From the token's side: its digest and its conditions are on the same row (one join, to the user).
        query = (ApiToken.objects.filter(digest__in=sentinels, revoked_at__isnull=True, user__is_active=True)
                 .select_related("user").order_by().query)
        compiler = query.get_compiler(DEFAULT_DB_ALIAS)
        sql, params = compiler.as_sql()
        columns = [col for col, _, _ in compiler.select]
        [user_info] = compiler.klass_info["related_klass_infos"]
        user_columns = user_info["select_fields"]
        names = [columns[i].target.attname for i in user_columns]
        digest_at = next(i for i, col in enumerate(columns) if col.target is ApiToken._meta.get_field("digest"))
        return (sql, tuple(params), [params.index(s) for s in sentinels], compiler, compiler.get_converters(columns),
                user_columns, names, digest_at)

    def statement(self, tokens) -> tuple[str, list] | None:
        digests = list(dict.fromkeys(token_digest(t) for t in tokens))
        if not digests:
            return None
        sql, params, slots, *_ = self._compiled(connection.vendor, len(digests))
        params = list(params)
        for slot, digest in zip(slots, digests, strict=True):
            params[slot] = digest
        return sql, params

    def instances(self, rows, statement) -> dict[str, User]:
        """Digest -> the token's holder, from the rows `statement` returned."""
        if statement is None:
            return {}
        *_, compiler, converters, user_columns, names, digest_at = self._compiled(connection.vendor, 1)
        if converters:  # the ORM's own conversions (aware datetimes on SQLite, ...)
            rows = compiler.apply_converters(rows, converters)
        return {row[digest_at]: User.from_db(DEFAULT_DB_ALIAS, names, tuple(row[i] for i in user_columns))
                for row in rows}


token_holders = _TokenHolders()
