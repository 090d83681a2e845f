"""Writers for accounts: every change is audited in the same transaction."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepassage.accounts.models import ApiToken, Organisation, Party, User
from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput, NotAuthenticated, NotFound, StateConflict
from safepassage.core.permissions import Role
from safepassage.core.retention import retention_days
from safepassage.core.timeutil import now

USER_FIELDS = ["username", "role", "organisation", "party", "is_active", "is_staff", "is_superuser", "email",
               "first_name", "last_name"]
ORGANISATION_FIELDS = ["name", "acronym"]
PARTY_FIELDS = ["name", "short_name", "name_ar", "color", "description"]


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
        try:
            validate_password(password, user)  # settings.AUTH_PASSWORD_VALIDATORS
        except ValidationError as exc:
            raise InvalidInput(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    record(actor=by, action="user.created", obj=user,
           after={"username": username, "role": role.value, "party": party and party.pk,
                  "organisation": organisation and organisation.pk})
    return user


@transaction.atomic
def issue_token(*, user: User, name: str = "default", expires_days: int | None = None, by) -> str:
    """Return a new plaintext token; it is shown once and stored only as a digest.

    It expires after `expires_days` (default: settings.SAFEPASSAGE_TOKEN_DAYS, 90).
    """
    if not user.is_active:
        raise InvalidInput("this account is inactive", field="user")
    days = settings.SAFEPASSAGE_TOKEN_DAYS if expires_days is None else expires_days
    if not 1 <= days <= 3660:
        raise InvalidInput("a token lasts between 1 and 3660 days", field="expires_days")
    if not name or len(name) > 100:
        raise InvalidInput("a token's name has 1 to 100 characters", field="name")
    token = "sp_" + secrets.token_urlsafe(32)
    issued = now()
    expires_at = issued + timedelta(days=days)
    ApiToken.objects.create(user=user, name=name, prefix=token[3:11], digest=token_digest(token),
                            created_at=issued, expires_at=expires_at)
    record(actor=by, action="token.issued", obj=user,
           after={"name": name, "prefix": token[3:11], "expires_at": expires_at.isoformat()})
    return token


@transaction.atomic
def revoke_token(*, token_id: int, by) -> ApiToken:
    """Revoke a token at once: its owner or an admin (users.manage) may; others learn nothing of it."""
    from safepassage.core.permissions import Perm

    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    is_owner = token is not None and by.user is not None and token.user_id == by.user.pk
    if token is None or not (is_owner or by.can(Perm.USERS_MANAGE)):
        raise NotFound("no such token among those you may manage", field="token_id")
    if token.revoked_at is not None:
        raise StateConflict("this token is already revoked", field="token_id")
    token.revoked_at = now()
    token.save(update_fields=["revoked_at"])
    record(actor=by, action="token.revoked", obj=token.user,
           after={"token_id": token.pk, "name": token.name, "prefix": token.prefix})
    return token


def user_for_token(token: str) -> User | None:
    """The active user holding this unrevoked token, or None; raises NotAuthenticated once it has expired."""
    if not token:
        return None
    found = next(iter(ApiToken.objects.filter(digest=token_digest(token), revoked_at__isnull=True,
                                              user__is_active=True).select_related("user")), None)
    if found is None:
        return None
    if found.expires_at is not None and found.expires_at <= now():
        raise NotAuthenticated("the API token has expired: ask for a new one")
    return found.user


# Second factors (django-otp): a TOTP device, and a static device holding single-use recovery codes.

RECOVERY_CODES = 10


def totp_secret(device: TOTPDevice) -> str:
    """The device's key in base32, as authenticator apps take it."""
    return base64.b32encode(device.bin_key).decode("ascii")


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """The user's unconfirmed TOTP device (a new key each start); confirmed by a first valid code."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def confirm_totp(*, user: User, code: str, by) -> list[str]:
    """Confirm the pending device with a code from the app; replace any older factor; return new recovery codes."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise StateConflict("start the enrolment again: no authenticator is waiting for confirmation")
    if not device.verify_token(code.strip().replace(" ", "")):
        raise InvalidInput("this code does not match: check the time on your phone and try again", field="code")
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    record(actor=by, action="mfa.enrolled", obj=user, after={"method": "totp", "recovery_codes": len(codes)})
    return codes


@transaction.atomic
def enrol_totp_with_secret(*, user: User, secret: str, by) -> TOTPDevice:
    """Enrol a confirmed TOTP device with a known base32 secret (the demo's accounts); no recovery codes."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8)).hex()
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name="demo authenticator", key=key, confirmed=True)
    record(actor=by, action="mfa.enrolled", obj=user, after={"method": "totp", "recovery_codes": 0})
    return device


@transaction.atomic
def check_second_factor(*, user: User, code: str):
    """The device that accepts this code (TOTP, or an unused recovery code, then spent), or None.

    Each device throttles its own failures (django-otp: a growing delay after each wrong code).
    """
    code = code.strip().replace(" ", "")
    if not code or len(code) > 16:
        return None
    for device in (*TOTPDevice.objects.filter(user=user, confirmed=True),
                   *StaticDevice.objects.filter(user=user, confirmed=True)):
        if device.verify_token(code):
            return device
    return None


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


# Login throttling (django-axes): an admin unlocks, audited.

@transaction.atomic
def unlock_logins(*, by, username: str | None = None, ip_address: str | None = None) -> int:
    """Clear failed sign-ins (all of them, or one account's, or one address's); return how many."""
    from axes.utils import reset

    count = reset(ip=ip_address, username=username)
    record(actor=by, action="login.unlocked", object_type="login", object_id=username or ip_address or "*",
           after={"username": username, "ip_address": ip_address, "attempts_removed": count})
    return count


ACCOUNT_RETENTION_ENV = "SAFEPASSAGE_ACCOUNT_RETENTION_DAYS"


@transaction.atomic
def purge_deactivated_accounts(*, older_than_days: int | None = None, at=None, by) -> list[int]:
    """Erase names and e-mail of deactivated accounts unused for N days (default 365); return their ids.

    The account row stays (records and the audit chain name it by id and role); it can no longer sign in.
    """
    days = retention_days(ACCOUNT_RETENTION_ENV, 365) if older_than_days is None else older_than_days
    if days < 0:
        raise InvalidInput("must be 0 or more", field="days")
    cutoff = (at or now()) - timedelta(days=days)
    stale = (User.objects.select_for_update().filter(is_active=False)
             .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
             .exclude(username__startswith="former-"))
    ids = sorted(stale.values_list("pk", flat=True))
    for user in User.objects.filter(pk__in=ids):
        user.username, user.first_name, user.last_name, user.email = f"former-{user.pk}", "", "", ""
        user.set_unusable_password()
        user.save(update_fields=["username", "first_name", "last_name", "email", "password"])
    ApiToken.objects.filter(user_id__in=ids, revoked_at__isnull=True).update(revoked_at=now())
    if ids:
        record(actor=by, action="user.personal_data_purged", object_type="accounts.user",
               object_id=f"retention:{cutoff.date().isoformat()}",
               after={"retention_days": days, "cutoff": cutoff, "user_ids": ids})
    return ids
