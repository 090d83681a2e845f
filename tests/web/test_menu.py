"""The menu fits each role: every link it shows opens (never a bare 403), and pages it hides stay refused."""

from __future__ import annotations

import pytest
from django.test import Client

from safepassage.core.permissions import Role
from safepassage.web.menu import MENU

pytestmark = pytest.mark.django_db


def signed_in(actors, role: str) -> Client:
    client = Client()
    client.force_login(actors[role].principal.user)
    return client


def menu_links(client: Client) -> list[str]:
    html = client.get("/").content.decode()
    return [e.url for e in MENU if f'data-testid="{e.testid}"' in html]


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.PUBLIC])
def test_every_link_of_every_menu_opens(actors, role):
    client = signed_in(actors, role)
    links = menu_links(client)
    assert "/" in links
    for url in links:
        r = client.get(url)
        assert r.status_code == 200, (role, url, r.status_code)
    hidden = [e.url for e in MENU if e.url not in links]
    for url in hidden:  # what the menu hides, the role may not open either
        assert client.get(url).status_code in (302, 403), (role, url)


def test_menus_differ_by_role(actors):
    partner = menu_links(signed_in(actors, "partner"))
    medical = menu_links(signed_in(actors, "medical_officer"))
    coordinator = menu_links(signed_in(actors, "coordinator"))
    assert "/medevac/" in partner and "/audit/" not in partner and "/crossings/review/" not in partner
    assert "/crossings/new/" in medical and "/crossings/review/" not in medical
    assert {"/crossings/review/", "/audit/", "/servicepoints/", "/convoys/board/"} <= set(coordinator)
    liaison = menu_links(signed_in(actors, "party_liaison"))
    assert "/medevac/" not in liaison and "/dashboard/" not in liaison and "/convoys/board/" in liaison


def test_signed_out_menu_has_no_staff_links(db):
    html = Client().get("/").content.decode()
    assert 'data-testid="menu-audit"' not in html and 'data-testid="login-link"' in html


def test_menu_and_task_pages_are_translated(actors, settings):
    client = signed_in(actors, "medical_officer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = client.get("/medevac/").content.decode()
    assert "الإخلاءات الطبية" in page and "استمارة العدّ" in page and 'dir="rtl"' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "Évacuations médicales" in client.get("/medevac/").content.decode()
