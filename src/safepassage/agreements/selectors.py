"""Reads of the registry; the tallies are computed from the records in SQL at each request, never stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet

from safepassage.agreements.models import (
    Agreement,
    AgreementStatus,
    AgreementStatusChange,
    ClaimedTally,
    Community,
)

DAY = timedelta(hours=24)


def agreements(*, place_id: int | None = None, kind: str | None = None, tally: str | None = None,
               at: datetime | None = None, as_of: datetime | None = None) -> QuerySet[Agreement]:
    """Agreements, latest signed first; with `tally`, one agreement per community counted in that tally at `at`
    (so their count is the tally); with `as_of`, only those recorded by then."""
    qs = Agreement.objects.select_related("community__place").prefetch_related(
        "status_history__recorded_by", "party_roles__party", "areas", "corridors")
    if tally:
        qs = qs.filter(pk__in=tally_records(tally, at, as_of).values("pk"))
    elif as_of is not None:
        qs = qs.filter(created_at__lte=as_of)
    if place_id:
        qs = qs.filter(community__place_id=place_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-signed_at", "-id")


def communities() -> QuerySet[Community]:
    return Community.objects.select_related("place").order_by("place__name", "id")


def tally_records(metric: str, at: datetime, as_of: datetime | None = None) -> QuerySet[Agreement]:
    """For each community counted in the tally `metric` at `at`, one agreement that puts it there: its first
    signed (signed_total, signed_last_24h) or its lowest-numbered in force (in_force); recorded by `as_of`."""
    recorded = Agreement.objects.filter(created_at__lte=as_of) if as_of else Agreement.objects.all()
    if metric == "in_force":
        changes = AgreementStatusChange.objects.filter(status=AgreementStatus.IN_FORCE, valid_from__lte=at).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=at))
        if as_of:
            changes = changes.filter(recorded_at__lte=as_of)
        lowest = (recorded.filter(pk__in=changes.values("agreement_id")).values("community_id")
                  .annotate(first=Min("id")).values("first"))
        return Agreement.objects.filter(pk__in=lowest)
    earlier = recorded.filter(community_id=OuterRef("community_id")).filter(
        Q(signed_at__lt=OuterRef("signed_at")) | Q(signed_at=OuterRef("signed_at"), id__lt=OuterRef("id")))
    first = recorded.filter(signed_at__lte=at).exclude(Exists(earlier))
    return first.filter(signed_at__gt=at - DAY) if metric == "signed_last_24h" else first


@dataclass(frozen=True)
class Tally:
    at: datetime
    signed_total: int
    signed_last_24h: int
    in_force: int

    def value(self, metric: str) -> int:
        return getattr(self, metric)


def tally(at: datetime) -> Tally:
    """Distinct communities: signed by `at`; first signed in (at - 24 h, at]; with an agreement in force at `at`.

    A status holds from its change's `valid_from` until the next change's (`valid_until`), so the statuses in
    effect at `at` are one indexed range look-up rather than a search for each agreement's latest change.
    """
    communities = Count("community_id", distinct=True)
    signed = Agreement.objects.filter(signed_at__lte=at)
    signed_total = signed.aggregate(n=communities)["n"]
    signed_before = Agreement.objects.filter(community_id=OuterRef("community_id"), signed_at__lte=at - DAY)
    signed_last_24h = signed.filter(signed_at__gt=at - DAY).exclude(Exists(signed_before)).aggregate(n=communities)["n"]
    in_force = (AgreementStatusChange.objects.filter(status=AgreementStatus.IN_FORCE, valid_from__lte=at)
                .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))
                .aggregate(n=Count("agreement__community_id", distinct=True))["n"])
    return Tally(at, signed_total, signed_last_24h, in_force)


@dataclass(frozen=True)
class ClaimBeside:
    claim: ClaimedTally
    recorded: int

    @property
    def difference(self) -> int:
        """Claimed minus recorded: how far the party's figure is from the registry's, at the claim's date."""
        return self.claim.claimed - self.recorded


def claims_beside(at: datetime) -> list[ClaimBeside]:
    """Each party's latest claim per metric dated at or before `at`, beside the registry's figure at that date."""
    latest: dict[tuple[int, str], ClaimedTally] = {}
    for claim in ClaimedTally.objects.filter(as_of__lte=at).select_related("party").order_by("as_of", "id"):
        latest[(claim.party_id, claim.metric)] = claim
    out = []
    for claim in sorted(latest.values(), key=lambda c: (-c.as_of.timestamp(), c.party.short_name, c.metric)):
        out.append(ClaimBeside(claim, tally(claim.as_of).value(claim.metric)))
    return out
