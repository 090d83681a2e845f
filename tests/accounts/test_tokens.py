"""API tokens: the lookup that every API request runs, expiry, listing and revocation."""

from datetime import timedelta

import pytest

from safepassage.accounts import services
from safepassage.accounts.models import ApiToken, User
from safepassage.audit.models import AuditEntry
from safepassage.core.errors import InvalidInput, NotAuthenticated
from safepassage.core.permissions import Role
from safepassage.core.timeutil import now
from tests.conftest import SYSTEM, Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder():
    user = services.create_user(username="holder", role=Role.COORDINATOR, password=None, by=SYSTEM)
    return user, services.issue_token(user=user, by=SYSTEM)


def test_a_valid_token_gives_its_user_with_every_field(holder):
    user, token = holder
    found = services.user_for_token(token)
    assert found.pk == user.pk
    assert (found.username, found.role, found.is_active, found.party_id) == ("holder", Role.COORDINATOR, True, None)
    assert found._state.db == "default" and not found._state.adding
    assert found.date_joined == User.objects.get(pk=user.pk).date_joined  # converted as the ORM does (aware)
    assert found.date_joined.tzinfo is not None


def test_unknown_revoked_and_inactive_give_nobody(holder):
    user, token = holder
    assert services.user_for_token(token + "x") is None
    assert services.user_for_token("") is None
    ApiToken.objects.filter(user=user).update(revoked_at=now())
    assert services.user_for_token(token) is None
    token2 = services.issue_token(user=user, name="second", by=SYSTEM)
    assert services.user_for_token(token2).pk == user.pk
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert services.user_for_token(token2) is None


def test_a_revoked_token_is_refused_at_once_by_the_api(holder):
    user, token = holder
    api = Api(token)
    assert api.get("/api/crossings/counts").status_code == 200
    ApiToken.objects.filter(user=user).update(revoked_at=now())
    response = api.get("/api/crossings/counts")
    assert response.status_code == 401
    assert "unknown or revoked" in response.json()["detail"]


def test_tokens_expire_after_90_days_by_default_and_an_expired_one_is_refused_as_expired(holder):
    user, token = holder
    stored = ApiToken.objects.get(user=user)
    assert abs((stored.expires_at - stored.created_at).total_seconds() - 90 * 86400) < 1
    ApiToken.objects.filter(pk=stored.pk).update(expires_at=now() - timedelta(seconds=1))
    response = Api(token).get("/api/crossings/counts")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    with pytest.raises(NotAuthenticated, match="expired"):
        services.user_for_token(token)


def test_issue_token_refuses_odd_lifetimes_and_inactive_users(holder):
    user, _ = holder
    with pytest.raises(InvalidInput) as err:
        services.issue_token(user=user, expires_days=0, by=SYSTEM)
    assert err.value.errors[0].field == "expires_days"
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(InvalidInput):
        services.issue_token(user=User.objects.get(pk=user.pk), by=SYSTEM)


def test_owners_list_and_revoke_their_own_tokens_only_and_admins_anyones(actors):
    field, partner, admin = actors["field_officer"], actors["partner"], actors["admin"]
    listed = field.get("/api/tokens").json()
    assert listed["count"] == 1 and listed["items"][0]["username"] == "u_field_officer"
    assert "digest" not in listed["items"][0] and listed["items"][0]["expires_at"]
    field_token_id = listed["items"][0]["id"]
    # Someone else's token is not found for a non-admin, and stays valid.
    assert partner.post(f"/api/tokens/{field_token_id}/revoke").status_code == 404
    assert field.get("/api/crossings/counts").status_code == 200
    assert admin.get("/api/tokens").json()["count"] == len(actors) - 1  # every holder's, not the public's
    revoked = admin.post(f"/api/tokens/{field_token_id}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert field.get("/api/crossings/counts").status_code == 401
    assert admin.post(f"/api/tokens/{field_token_id}/revoke").status_code == 409
    entry = AuditEntry.objects.filter(action="token.revoked").get()
    assert entry.actor.username == "u_admin" and entry.actor_label.startswith("admin#") and entry.after["token_id"] == field_token_id
    own_id = partner.get("/api/tokens").json()["items"][0]["id"]
    assert partner.post(f"/api/tokens/{own_id}/revoke").status_code == 200
    assert partner.get("/api/tokens").status_code == 401
    assert actors["public"].get("/api/tokens").status_code == 401


def test_the_tokens_page_lists_and_revokes_only_ones_own(actors, client):
    field = User.objects.get(username="u_field_officer")
    other = ApiToken.objects.get(user__username="u_partner")
    assert client.get("/account/tokens/").status_code == 302  # signed out
    client.force_login(field)
    page = client.get("/account/tokens/")
    own = ApiToken.objects.get(user=field)
    html = page.content.decode()
    assert page.status_code == 200 and f"sp_{own.prefix}" in html and other.prefix not in html
    assert own.digest not in html
    refused = client.post("/account/tokens/", {"token_id": other.pk})
    assert refused.status_code == 400 and ApiToken.objects.get(pk=other.pk).revoked_at is None
    assert client.post("/account/tokens/", {"token_id": "x"}).status_code == 400
    assert client.post("/account/tokens/", {"token_id": own.pk})["Location"] == "/account/tokens/"
    assert ApiToken.objects.get(pk=own.pk).revoked_at is not None
    assert actors["field_officer"].get("/api/crossings/counts").status_code == 401
    assert AuditEntry.objects.filter(action="token.revoked", actor__username="u_field_officer").count() == 1
    client.cookies["django_language"] = "fr"
    assert "Révoqué" in client.get("/account/tokens/").content.decode()
