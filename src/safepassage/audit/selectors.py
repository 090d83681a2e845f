"""Reads of the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from safepassage.audit.models import AuditEntry


def entries(*, action: str | None = None, object_type: str | None = None,
            object_id: str | None = None) -> QuerySet[AuditEntry]:
    """Audit entries, newest first, optionally for one action or object."""
    qs = AuditEntry.objects.order_by("-seq")
    for key, value in (("action", action), ("object_type", object_type), ("object_id", object_id)):
        if value:
            qs = qs.filter(**{key: value})
    return qs


def entry_read(e: AuditEntry) -> dict:
    return {"seq": e.seq, "at": e.at, "actor": e.actor_label, "action": e.action, "object_type": e.object_type,
            "object_id": e.object_id, "before": e.before, "after": e.after, "hash": e.hash,
            "prev_hash": e.prev_hash}
