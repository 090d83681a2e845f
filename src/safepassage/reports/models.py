"""Published bulletin editions: each kept with its files' SHA-256, never regenerated in place."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Edition(models.Model):
    """One published (public) bulletin of a local day, as built at `built_at`; its files are in default storage."""

    day = models.DateField(db_index=True)
    tz = models.CharField(max_length=64)
    audience = models.CharField(max_length=10, default="public")
    built_at = models.DateTimeField()
    audit_seq = models.BigIntegerField(default=0)
    audit_hash = models.CharField(max_length=64, blank=True)
    files = models.JSONField(default=dict, help_text="format -> {name, sha256, size}, e.g. json, pdf.ar, md.fr")
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "-built_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["day", "tz", "audience", "built_at"],
                                               name="edition_once_per_build")]

    def __str__(self) -> str:
        return f"bulletin {self.day} ({self.tz}) built {self.built_at:%Y-%m-%d %H:%M:%S}"
