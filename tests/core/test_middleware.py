"""The message framework runs for pages and is skipped for the API."""

import pytest
from django.contrib.messages import get_messages


@pytest.mark.django_db
def test_api_requests_go_without_message_storage(client):
    response = client.get("/api/crossings/counts")
    assert response.status_code == 401  # the public may not list counts; the request still went through
    assert not hasattr(response.wsgi_request, "_messages")


@pytest.mark.django_db
def test_pages_keep_their_messages(client):
    response = client.get("/")
    assert response.status_code in (200, 302)
    assert hasattr(response.wsgi_request, "_messages")
    assert list(get_messages(response.wsgi_request)) == []
