"""Service point pages: the list, a point's ledger and people served, and the forms that record them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from safepassage.core.timeutil import now, operation_zone
from safepassage.servicepoints.models import PeopleServed, StockEntry
from tests.servicepoints.test_servicepoints_api import point  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def page_client(actors, role: str) -> Client:
    client = Client()
    client.force_login(actors[role].principal.user)
    return client


def test_field_officer_records_stock_in_and_out_and_sees_the_ledger(actors, point):  # noqa: F811
    field = page_client(actors, "field_officer")
    url = f"/servicepoints/{point['id']}/"
    assert "Meal station north" in field.get("/servicepoints/").content.decode()
    yesterday = (now() - timedelta(days=1)).astimezone(operation_zone()).strftime("%Y-%m-%dT%H:%M")
    r = field.post(url + "stock", {"item": "meal", "kind": "received", "quantity": "١٢٠٠",
                                   "reason": "WFP delivery note 17", "at": yesterday})
    assert r.status_code == 302
    assert field.post(url + "stock", {"item": "meal", "kind": "issued", "quantity": "200",
                                      "reason": "distribution", "at": ""}).status_code == 302
    page = field.get(url).content.decode()
    assert page.count('data-testid="ledger-row"') == 2 and "+1200" in page and "-200" in page
    assert "<strong>meal</strong>: 1000" in page
    first = StockEntry.objects.order_by("id").first()
    assert first.delta == 1200 and abs(first.at - (now() - timedelta(days=1))) < timedelta(minutes=2)


def test_stock_that_would_go_below_zero_or_in_the_future_is_refused(actors, point):  # noqa: F811
    field = page_client(actors, "field_officer")
    url = f"/servicepoints/{point['id']}/stock"
    r = field.post(url, {"item": "meal", "kind": "issued", "quantity": "5", "reason": "distribution"})
    assert r.status_code == 400 and "only 0 meal in stock" in r.content.decode()
    future = (now() + timedelta(hours=3)).astimezone(operation_zone()).strftime("%Y-%m-%dT%H:%M")
    r = field.post(url, {"item": "meal", "kind": "received", "quantity": "5", "reason": "x", "at": future})
    assert r.status_code == 400 and "future" in r.content.decode()
    r = field.post(url, {"item": "meal", "kind": "received", "quantity": "1.5", "reason": "x"})
    assert r.status_code == 400 and "whole number" in r.content.decode()
    assert StockEntry.objects.count() == 0


def test_people_served_per_hour_and_its_correction(actors, point):  # noqa: F811
    coordinator = page_client(actors, "coordinator")
    url = f"/servicepoints/{point['id']}/served"
    hour = (now() - timedelta(hours=2)).astimezone(operation_zone()).replace(minute=0).strftime("%Y-%m-%dT%H:%M")
    assert coordinator.post(url, {"hour_start": hour, "people": "140"}).status_code == 302
    r = coordinator.post(url, {"hour_start": hour, "people": "150"})
    assert r.status_code == 400 and "send that version" in r.content.decode()
    assert coordinator.post(url, {"hour_start": hour, "people": "150", "version": "1"}).status_code == 302
    row = PeopleServed.objects.get()
    assert row.people == 150 and row.version == 2
    page = coordinator.get(f"/servicepoints/{point['id']}/").content.decode()
    assert page.count('data-testid="served-row"') == 1 and ">150<" in page


def test_roles_without_stock_rights_see_no_forms_and_are_refused(actors, point):  # noqa: F811
    partner = page_client(actors, "partner")
    page = partner.get(f"/servicepoints/{point['id']}/").content.decode()
    assert 'data-testid="ledger"' in page and 'data-testid="stock-form"' not in page
    r = partner.post(f"/servicepoints/{point['id']}/stock", {"item": "meal", "kind": "received", "quantity": "5",
                                                             "reason": "x"})
    assert r.status_code == 403 and StockEntry.objects.count() == 0
    liaison = page_client(actors, "party_liaison")
    assert liaison.get("/servicepoints/").status_code == 403
    assert Client().get("/servicepoints/").status_code == 302
    assert page_client(actors, "coordinator").get("/servicepoints/999999/").status_code == 404
