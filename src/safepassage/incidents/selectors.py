"""Reads of claims."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from safepassage.incidents.models import Claim


def claims(*, verification: str | None = None, corridor_id: int | None = None) -> QuerySet[Claim]:
    """Claims, newest publication first, with their places and corridors."""
    qs = Claim.objects.prefetch_related("places", "corridors").order_by("-published_on", "id")
    if verification:
        qs = qs.filter(verification=verification)
    if corridor_id:
        qs = qs.filter(corridors=corridor_id)
    return qs


def claim_or_404(claim_id: int) -> Claim:
    return get_object_or_404(claims(), pk=claim_id)


def claim_read(c: Claim) -> dict:
    return {
        "id": c.pk, "summary": c.summary, "quote": c.quote, "source_name": c.source_name, "speaker": c.speaker,
        "source_url": c.source_url, "published_on": c.published_on, "published_note": c.published_note,
        "category": c.category, "verification": c.verification, "verification_note": c.verification_note,
        "place_ids": sorted(p.pk for p in c.places.all()),
        "corridor_ids": sorted(x.pk for x in c.corridors.all()),
    }
