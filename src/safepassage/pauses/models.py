"""Humanitarian pauses: a window, a scope, and each party's response."""

from django.conf import settings
from django.db import models

from safepassage.core.models import Versioned


class PauseStatus(models.TextChoices):
    PROPOSED = "proposed", "proposed"
    AGREED = "agreed", "agreed"
    ACTIVE = "active", "active"
    ENDED = "ended", "ended"
    VIOLATED = "violated", "violated"
    WITHDRAWN = "withdrawn", "withdrawn"  # a party refused after agreement: out of force at once


IN_FORCE = (PauseStatus.AGREED, PauseStatus.ACTIVE)  # with a window containing the moment: in force


class Pause(Versioned):
    title = models.CharField(max_length=200)
    title_ar = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=PauseStatus.choices, default=PauseStatus.PROPOSED)
    places = models.ManyToManyField("places.Place", blank=True, related_name="pauses")
    corridors = models.ManyToManyField("corridors.Corridor", blank=True, related_name="pauses")
    parties = models.ManyToManyField("accounts.Party", blank=True, related_name="pauses",
                                     help_text="parties whose acceptance is required")
    notes = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_revisions",
                                 help_text="the withdrawn pause this one proposes again")
    withdrawn_by_party = models.ForeignKey("accounts.Party", null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return self.title


class ResponseState(models.TextChoices):
    PENDING = "pending", "pending"
    ACCEPTED = "accepted", "accepted"
    REFUSED = "refused", "refused"


class PauseResponse(models.Model):
    pause = models.ForeignKey(Pause, on_delete=models.CASCADE, related_name="responses")
    party = models.ForeignKey("accounts.Party", on_delete=models.PROTECT)
    state = models.CharField(max_length=10, choices=ResponseState.choices, default=ResponseState.PENDING)
    at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    note = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pause", "party"], name="pause_one_response_per_party")]


class PauseStatusChange(models.Model):
    pause = models.ForeignKey(Pause, on_delete=models.CASCADE, related_name="status_history")
    status = models.CharField(max_length=10, choices=PauseStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    at = models.DateTimeField()

    class Meta:
        ordering = ["pause_id", "at", "id"]
