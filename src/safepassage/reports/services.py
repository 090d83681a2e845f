"""Publishing a bulletin edition: built once, rendered in every format and language, archived with SHA-256."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from safepassage.audit.services import record
from safepassage.core.timeutil import now
from safepassage.reports import render, selectors
from safepassage.reports.models import Edition

LANGS = ("en", "ar", "fr", "ru")


def _store(folder: str, name: str, content: bytes) -> dict:
    digest = hashlib.sha256(content).hexdigest()
    stored = default_storage.save(f"{folder}/{digest[:12]}-{name}", ContentFile(content))
    return {"name": stored, "sha256": digest, "size": len(content)}


def publish_edition(*, day: date, tz: str, by, job_id: int | None = None,
                    progress: Callable[[int, int, str], None] | None = None) -> Edition:
    """Build the public bulletin of the day now and archive it (JSON; HTML, PDF, Markdown in four languages)."""
    bulletin = selectors.build(day=day, tz=tz, as_of=None, audience=selectors.PUBLIC_AUDIENCE)
    folder = f"bulletins/{day.isoformat()}/{bulletin['built_at'].replace(':', '').replace('+', 'p')}"
    total = 1 + 3 * len(LANGS)
    files = {"json": _store(folder, "bulletin.json",
                            json.dumps(bulletin, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode())}
    done = 1
    for lang in LANGS:
        for fmt, make in (("html", lambda lg: render.html(bulletin, lang=lg).encode()),
                          ("md", lambda lg: render.markdown(bulletin, lang=lg).encode()),
                          ("pdf", lambda lg: render.pdf(bulletin, lang=lg))):
            if progress:
                progress(done, total, f"{fmt} ({lang})")
            files[f"{fmt}.{lang}"] = _store(folder, f"bulletin.{lang}.{fmt}", make(lang))
            done += 1
    user = getattr(by, "user", None)
    with transaction.atomic():
        edition = Edition.objects.create(
            day=day, tz=tz, audience=bulletin["audience"], built_at=bulletin["built_at"],
            audit_seq=bulletin["audit_head"]["seq"], audit_hash=bulletin["audit_head"]["hash"] or "", files=files,
            job_id=job_id, published_by=user if getattr(user, "pk", None) else None, published_at=now())
        record(actor=by, action="bulletin.published", obj=edition,
               after={"day": day.isoformat(), "tz": tz, "built_at": bulletin["built_at"],
                      "sha256": {k: v["sha256"] for k, v in files.items()}})
    if progress:
        progress(total, total, "archived")
    return edition
