"""Humanitarian notifications to the parties, and each party's acknowledgement (deconfliction)."""

import uuid

from django.conf import settings
from django.db import models

from safepassage.core.models import GeoBBox, Versioned


class Kind(models.TextChoices):
    CONVOY = "convoy", "aid convoy"
    EVACUATION = "evacuation", "evacuation movement"
    STATIC_SITE = "static_site", "static site"


class NotificationState(models.TextChoices):
    ACTIVE = "active", "active"
    SUPERSEDED = "superseded", "superseded by a re-notification"
    WITHDRAWN = "withdrawn", "withdrawn"


class Notification(Versioned, GeoBBox):
    """One revision of a notification; a re-notification is a new revision in the same series."""

    series = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    revision = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    convoy = models.ForeignKey("convoys.Convoy", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="notifications")
    site = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="notifications")
    title = models.CharField(max_length=200, help_text="what")
    title_ar = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    who = models.CharField(max_length=300, help_text="organisations and teams moving or present")
    starts_at = models.DateTimeField(help_text="when: start of the movement or of the site's operation")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="empty for a site without an end date")
    sent_at = models.DateTimeField(db_index=True)
    deadline = models.DateTimeField(help_text="parties answer before this time; after it, no answer")
    state = models.CharField(max_length=10, choices=NotificationState.choices, default=NotificationState.ACTIVE,
                             db_index=True)
    state_reason = models.TextField(blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    renotify_reason = models.TextField(blank=True, help_text="why this movement must be notified again (a hazard)")
    renotify_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["series", "revision"], name="notification_unique_revision"),
            models.UniqueConstraint(fields=["series"], condition=models.Q(state="active"),
                                    name="notification_one_active_per_series"),
            models.UniqueConstraint(fields=["convoy"], condition=models.Q(state="active"),
                                    name="notification_one_active_per_convoy"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (rev. {self.revision})"


class AckState(models.TextChoices):
    PENDING = "pending", "pending"
    ACKNOWLEDGED = "acknowledged", "acknowledged"
    REFUSED = "refused", "refused"
    NO_ANSWER = "no_answer", "no answer by the deadline"


class Acknowledgement(models.Model):
    """A required party's answer to one revision of a notification."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="acknowledgements")
    party = models.ForeignKey("accounts.Party", on_delete=models.PROTECT, related_name="acknowledgements")
    state = models.CharField(max_length=12, choices=AckState.choices, default=AckState.PENDING)
    at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    reason = models.TextField(blank=True)
    conditions = models.TextField(blank=True, help_text="conditions attached to an acknowledgement, in the "
                                                        "party's words (for example: no armed escort)")

    class Meta:
        ordering = ["notification_id", "party__short_name"]
        constraints = [models.UniqueConstraint(fields=["notification", "party"],
                                               name="acknowledgement_one_per_party")]
