"""API tokens: the look-up that every API request with a bearer token runs."""

import pytest

from safepassage.accounts import services
from safepassage.accounts.models import ApiToken, User
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
