"""Write and verify the audit chain. `record` must be called inside the writer's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import transaction

from safepassage.audit import actions
from safepassage.audit.models import AuditEntry, AuditHead
from safepassage.core.timeutil import now

GENESIS = "0" * 64


class UnknownAction(ValueError):
    pass


class AuditMetadataError(ValueError):
    """An entry's before or after holds a key its action code does not declare."""


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:  # most values of a snapshot: checked first, it is the cheapest
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _check_side(action: str, side: str, value: Any, allowed: frozenset[str] | None) -> None:
    """Refuse one side (before or after) of an entry that its code's declaration does not allow."""
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise AuditMetadataError(f"audit action {action!r}: {side} must be a mapping, not {type(value).__name__}")
    undeclared = sorted(str(key) for key in value if str(key) not in (allowed or ()))
    if undeclared:
        raise AuditMetadataError(f"audit action {action!r} does not declare the {side} key(s) "
                                 f"{', '.join(map(repr, undeclared))} (audit.actions.register)")


def _check_metadata(action: str, before: Any, after: Any) -> None:
    """Refuse metadata holding a key that the action code's declaration (audit.actions.SCHEMAS) does not name."""
    code = str(action)
    meta = actions.SCHEMAS.get(code)
    if meta is None:
        raise AuditMetadataError(f"audit action {code!r} has no declared metadata (audit.actions.register)")
    _check_side(code, "before", before, meta.before)
    _check_side(code, "after", after, meta.after)


def _digest(*, seq: int, at: str, actor_label: str, action: str, object_type: str, object_id: str,
            before: Any, after: Any, prev_hash: str) -> str:
    body = json.dumps(
        [seq, at, actor_label, action, object_type, object_id, before, after, prev_hash],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def actor_label(user_id: int, role: str) -> str:
    """Name an actor in the chain by account id and role, e.g. `coordinator#12`."""
    return f"{role}#{user_id}"


def _fields(*, actor: Any = None, action: str, obj: Any = None, object_type: str | None = None,
            object_id: Any = None, before: Any = None, after: Any = None) -> tuple[Any, dict]:
    """The hashed fields of one entry, except seq, at and prev_hash (set under the lock)."""
    if action not in actions.ACTIONS:
        raise UnknownAction(f"unknown audit action code {action!r}")
    _check_metadata(action, before, after)
    user = getattr(actor, "user", actor)  # a Principal or a User
    if user is None or not getattr(user, "pk", None):
        user, label = None, "system"
    else:  # the account's id and role, never its name: purging a person never rewrites the chain
        label = actor_label(user.pk, getattr(actor, "role", None) or getattr(user, "role", ""))
    return user, {
        "actor_label": label,
        "action": action,
        "object_type": object_type or (obj._meta.label_lower if obj is not None else ""),
        "object_id": str(object_id if object_id is not None else getattr(obj, "pk", "")),
        "before": _jsonable(before),
        "after": _jsonable(after),
    }


def lock_chain() -> AuditHead:
    """Lock the chain's tip until the caller's transaction ends; writers that audit take turns here."""
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1, defaults={"last_hash": GENESIS})
    return head


def record_many(entries: Iterable[Mapping[str, Any]], *, head: AuditHead | None = None) -> list[AuditEntry]:
    """Append several entries, in order, in the caller's transaction: one lock, one insert, one head update.

    Each mapping holds `record`'s keyword arguments; the entries are chained and hashed exactly as
    `record` would, so a mix of both calls forms one chain that `verify_chain` checks. `head`: the tip
    the caller locked in this transaction with `lock_chain`, if it did.
    """
    prepared = [_fields(**entry) for entry in entries]  # refuse unknown actions and keys before taking the lock
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change it records")
    if not prepared:
        return []
    head = head or lock_chain()
    seq, prev = head.seq, head.last_hash
    rows = []
    for user, fields in prepared:
        seq += 1
        at = now()
        digest = _digest(seq=seq, at=at.isoformat(), prev_hash=prev, **fields)
        rows.append(AuditEntry(seq=seq, at=at, actor=user, prev_hash=prev, hash=digest, **fields))
        prev = digest
    AuditEntry.objects.bulk_create(rows)
    AuditHead.objects.filter(id=1).update(seq=seq, last_hash=prev)
    head.seq, head.last_hash = seq, prev
    return rows


def record(*, actor: Any, action: str, obj: Any = None, object_type: str | None = None,
           object_id: Any = None, before: Any = None, after: Any = None) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction."""
    [entry] = record_many([{"actor": actor, "action": action, "obj": obj, "object_type": object_type,
                            "object_id": object_id, "before": before, "after": after}])
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(batch: int = 2000) -> ChainReport:
    """Recompute every hash in order; name the first entry that does not match."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch):
        if entry.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, f"entry #{expected_seq} is missing")
        if entry.prev_hash != prev:
            return ChainReport(False, checked, entry.seq, "previous-hash link does not match")
        digest = _digest(
            seq=entry.seq, at=entry.at.isoformat(), actor_label=entry.actor_label, action=entry.action,
            object_type=entry.object_type, object_id=entry.object_id, before=entry.before,
            after=entry.after, prev_hash=entry.prev_hash,
        )
        if digest != entry.hash:
            return ChainReport(False, checked, entry.seq, "content does not match its hash (altered)")
        prev = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(id=1).first()
    if head is not None and head.seq != checked:
        return ChainReport(False, checked, checked + 1, "entries after the last one are missing")
    return ChainReport(True, checked)
