"""Plan runs: what was asked, on which network and hazards, what came out, how long it took."""

from django.conf import settings
from django.db import models


class PlanKind(models.TextChoices):
    ROUTE = "route", "route"
    EVACUATION = "evacuation", "evacuation capacity"
    SITING = "siting", "siting"


class PlanRun(models.Model):
    kind = models.CharField(max_length=12, choices=PlanKind.choices, db_index=True)
    inputs = models.JSONField()
    network = models.CharField(max_length=200, help_text="which network, with a fingerprint of its version")
    hazards_version = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the hazards used")
    status = models.CharField(max_length=8, choices=[("queued", "queued"), ("running", "running"), ("ok", "ok"),
                                                     ("failed", "failed")])
    error = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    timings = models.JSONField(default=dict)
    job = models.OneToOneField("jobs.Job", null=True, blank=True, on_delete=models.PROTECT,
                               help_text="the background job that computes it")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} plan #{self.pk} ({self.status})"
