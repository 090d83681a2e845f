"""One guard for every staff page: sign in first, then a 403 page naming the role, with a way back."""

import pytest

from safepassage.accounts.models import User

pytestmark = pytest.mark.django_db

@pytest.mark.parametrize("path", ["/audit/", "/claims/", "/convoys/board/", "/dashboard/", "/crossings/new/"])
def test_the_anonymous_are_sent_to_sign_in_and_back(client, path):
    r = client.get(path + "?page=2")
    assert r.status_code == 302 and r["Location"] == f"/login/?next={path}%3Fpage%3D2"


@pytest.mark.parametrize(("path", "role"), [("/audit/", "partner"), ("/audit/", "party_liaison"),
                                            ("/crossings/new/", "partner")])
def test_a_role_without_the_permission_gets_a_403_page(client, actors, path, role):
    client.force_login(User.objects.get(username=f"u_{role}"))
    r = client.get(path)
    assert r.status_code == 403
    html = r.content.decode()
    assert 'data-testid="forbidden"' in html and f"Your role ({role}) may not open this page." in html
    assert 'href="/"' in html and "topbar" in html  # the site's own page, with the way back
