"""Writers for claims. A status is never upgraded by the system itself: a verifier does it, on record."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from safepassage.audit.actions import Action
from safepassage.audit.services import record
from safepassage.core.errors import InvalidInput
from safepassage.core.timeutil import now
from safepassage.corridors.models import Corridor
from safepassage.incidents.models import Claim, Verification
from safepassage.places.models import Place


@transaction.atomic
def record_claim(*, summary: str, source_name: str, quote: str = "", speaker: str = "", source_url: str = "",
                 published_on: date | None = None, published_note: str = "", category: str = "",
                 place_ids: list[int] = (), corridor_ids: list[int] = (), by) -> Claim:
    """Store a statement attributed to its source; it starts unverified."""
    if not summary.strip():
        raise InvalidInput("summary is required", field="summary")
    if not source_name.strip():
        raise InvalidInput("a claim without a source cannot be recorded", field="source_name")
    if published_on is None and not published_note.strip():
        raise InvalidInput("give the publication date, or say why it is unknown", field="published_on")
    claim = Claim.objects.create(summary=summary.strip(), quote=quote, source_name=source_name.strip(),
                                 speaker=speaker, source_url=source_url, published_on=published_on,
                                 published_note=published_note, category=category,
                                 verification=Verification.UNVERIFIED,
                                 recorded_by=getattr(by, "user", by), recorded_at=now())
    places = list(Place.objects.filter(pk__in=place_ids))
    corridors = list(Corridor.objects.filter(pk__in=corridor_ids))
    if len(places) != len(set(place_ids)):
        raise InvalidInput("unknown place id", field="place_ids")
    if len(corridors) != len(set(corridor_ids)):
        raise InvalidInput("unknown corridor id", field="corridor_ids")
    claim.places.set(places)
    claim.corridors.set(corridors)
    record(actor=by, action=Action.CLAIM_CREATED, obj=claim,
           after={"summary": claim.summary, "source_name": claim.source_name, "published_on": published_on,
                  "verification": claim.verification})
    return claim


@transaction.atomic
def set_claim_verification(*, claim_id: int, verification: str, note: str, by) -> Claim:
    if verification not in Verification.values:
        raise InvalidInput(f"one of {', '.join(Verification.values)}", field="verification")
    if not note.strip():
        raise InvalidInput("say on what evidence the status rests", field="note")
    claim = Claim.objects.select_for_update().get(pk=claim_id)
    before = {"verification": claim.verification}
    claim.verification, claim.verification_note = verification, note.strip()
    claim.save(update_fields=["verification", "verification_note"])
    record(actor=by, action=Action.CLAIM_VERIFICATION_CHANGED, obj=claim, before=before,
           after={"verification": verification, "note": note.strip()})
    return claim
