"""Every audit action code declares the keys its before and after may hold; other keys are refused."""

import re

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from safepassage.accounts.admin import AuditedAdmin
from safepassage.audit import actions
from safepassage.audit.actions import Action, Meta, register
from safepassage.audit.models import AuditEntry, AuditHead
from safepassage.audit.services import AuditMetadataError, record, record_many, verify_chain
from safepassage.corridors.services import CORRIDOR_FIELDS
from tests.conftest import SYSTEM

pytestmark = pytest.mark.django_db


def _corridor(name="c", **after):
    return {"actor": SYSTEM, "action": "corridor.created", "object_type": "corridors.corridor", "object_id": 1,
            "after": {"name": name, **after}}


def _head():
    head = AuditHead.objects.filter(id=1).first()
    return head and (head.seq, head.last_hash)


def test_every_code_of_actions_has_a_schema():
    missing = [code for code in sorted(actions.ACTIONS) if not isinstance(actions.SCHEMAS.get(code), Meta)]
    assert not missing, f"codes without a declaration: {missing}"
    assert set(actions.SCHEMAS) == set(actions.ACTIONS) and set(Action) <= set(actions.SCHEMAS)


def test_every_declaration_names_keys_of_at_least_one_side():
    for code, meta in actions.SCHEMAS.items():
        assert meta.before or meta.after, code
        for side in (meta.before, meta.after):
            assert side is None or all(isinstance(key, str) and key for key in side), code


def test_a_declared_shape_is_accepted():
    with transaction.atomic():
        record(actor=SYSTEM, action="corridor.updated", object_type="corridors.corridor", object_id=1,
               before={key: None for key in CORRIDOR_FIELDS}, after={"name": "renamed", "version": 2})
        record(actor=SYSTEM, action="corridor.created", object_type="corridors.corridor", object_id=2)
    assert AuditEntry.objects.count() == 2 and verify_chain().ok


@pytest.mark.parametrize("entry,message", [
    (_corridor(password="secret"), "'corridor.created' does not declare the after key(s) 'password'"),
    ({**_corridor(), "before": {"name": "old"}}, "'corridor.created' does not declare the before key(s) 'name'"),
    ({**_corridor(), "after": ["name"]}, "after must be a mapping, not list"),
    ({**_corridor(), "action": Action.PERSONAL_DATA_READ, "after": {"purpose": "care", "full_name": "A. B."}},
     "'personal_data.read' does not declare the after key(s) 'full_name'"),
], ids=["after", "before", "not-a-mapping", "enum-code"])
def test_an_undeclared_key_is_refused_and_nothing_is_written(entry, message):
    with transaction.atomic():
        record_many([_corridor("first")])
    head = _head()
    with pytest.raises(AuditMetadataError, match=re.escape(message)), transaction.atomic():
        record(**entry)
    assert AuditEntry.objects.count() == 1 and _head() == head and verify_chain().ok


def test_one_undeclared_key_refuses_the_whole_batch_before_the_chain_is_locked():
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with pytest.raises(AuditMetadataError, match="'driver_names'"):
            record_many([_corridor("a"), _corridor("b"), _corridor("c", driver_names=["x"])])
    assert not any("audit_" in q["sql"] for q in queries.captured_queries)
    assert AuditEntry.objects.count() == 0 and _head() is None


def test_a_code_is_declared_once(monkeypatch):
    monkeypatch.setattr(actions, "SCHEMAS", dict(actions.SCHEMAS))
    monkeypatch.setattr(actions, "ACTIONS", actions.ACTIONS)
    register({"test.done": Meta(after=["a"])})
    register({"test.done": Meta(after=["a"])})  # the same declaration again: harmless
    with pytest.raises(ValueError, match="declared twice, differently: test.done"):
        register({"test.done": Meta(after=["a", "b"])})
    assert "test.done" in actions.ACTIONS and actions.SCHEMAS["test.done"] == Meta(after=["a"])


def test_keys_are_given_as_a_list_not_a_string():
    with pytest.raises(TypeError, match="not the string 'status'"):
        Meta(after="status")


def test_the_admin_records_only_declared_fields():
    audited = [a for a in admin.site._registry.values() if isinstance(a, AuditedAdmin)]
    assert len(audited) == 3
    for model_admin in audited:
        for verb in ("created", "updated"):
            meta = actions.SCHEMAS[f"{model_admin.action_code}.{verb}"]
            assert set(model_admin.audit_fields) <= meta.after, (model_admin, verb)
