"""Read-only view of the audit log, and a chain check."""


from typing import Any

from ninja import Field, Query, Router, Schema

from safepassage.audit import selectors
from safepassage.audit.services import verify_chain
from safepassage.core.api import DateTime, Page, PageParams, ShortText, op, page
from safepassage.core.permissions import Perm

router = Router(tags=["audit"])


class AuditRead(Schema):
    seq: int
    at: DateTime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: Any = None
    after: Any = None
    hash: str
    prev_hash: str


class AuditFilters(Schema):
    action: ShortText | None = None
    object_type: ShortText | None = None
    object_id: ShortText | None = Field(None, max_length=64)


class ChainCheck(Schema):
    ok: bool
    checked: int
    first_broken_seq: int | None
    reason: str


@op(router.get, "/audit", perm=Perm.AUDIT_VIEW, response=Page(AuditRead))
def list_entries(request, filters: AuditFilters = Query(...), paging: PageParams = Query(...)):
    """Newest first."""
    qs = selectors.entries(action=filters.action, object_type=filters.object_type, object_id=filters.object_id)
    return page(qs, paging, selectors.entry_read)


@op(router.get, "/audit/verify", perm=Perm.AUDIT_VIEW, response=ChainCheck)
def verify(request):
    """Recompute the hash chain and name the first broken entry, if any."""
    r = verify_chain()
    return {"ok": r.ok, "checked": r.checked, "first_broken_seq": r.first_broken_seq, "reason": r.reason}
