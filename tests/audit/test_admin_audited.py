"""Nothing bypasses the audit log through the Django admin: records the services own are read-only there."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

from safepassage.accounts.models import User

pytestmark = pytest.mark.django_db

# Changed in the admin only through audited services (see accounts/admin.py).
AUDITED_IN_ADMIN = {"accounts"}


def _service_owned_models():
    return [m for m in apps.get_models() if m.__module__.startswith("safepassage.")
            and m._meta.app_label not in AUDITED_IN_ADMIN and admin.site.is_registered(m)]


def test_every_service_owned_model_is_read_only_in_the_admin():
    superuser = User.objects.create_superuser("root", password="correct horse battery")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    models = _service_owned_models()
    assert len(models) >= 8
    for model in models:
        model_admin = admin.site.get_model_admin(model)
        assert not model_admin.has_add_permission(request), model
        assert not model_admin.has_change_permission(request), model
        assert not model_admin.has_delete_permission(request), model


def test_admin_lists_still_render_for_an_admin(client):
    client.force_login(User.objects.create_superuser("root", password="correct horse battery"))
    for model in _service_owned_models():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
