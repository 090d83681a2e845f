"""Claims: a party's or a source's statement, never more than that without evidence.

The incident capability (evidence, hazards) grows from here.
"""

from django.conf import settings
from django.db import models


class Verification(models.TextChoices):
    VERIFIED = "verified", "verified"
    UNVERIFIED = "unverified", "unverified"
    PENDING = "pending_verification", "pending verification"
    FALSELY_ATTRIBUTED = "falsely_attributed", "falsely attributed"
    REJECTED = "rejected", "rejected"


class Claim(models.Model):
    summary = models.TextField(help_text="neutral summary of what the source states")
    quote = models.TextField(blank=True, help_text="the source's own words, verbatim")
    source_name = models.CharField(max_length=200, help_text="publisher, e.g. a news agency")
    speaker = models.CharField(max_length=200, blank=True, help_text="who made the statement, as reported")
    source_url = models.CharField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    published_note = models.CharField(max_length=200, blank=True, help_text="e.g. 'date not given'")
    category = models.CharField(max_length=60, blank=True)
    verification = models.CharField(max_length=24, choices=Verification.choices,
                                    default=Verification.UNVERIFIED)
    verification_note = models.TextField(blank=True)
    places = models.ManyToManyField("places.Place", blank=True, related_name="claims")
    corridors = models.ManyToManyField("corridors.Corridor", blank=True, related_name="claims")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-published_on", "id"]

    def __str__(self) -> str:
        return f"Claim ({self.source_name}): {self.summary[:60]}"
