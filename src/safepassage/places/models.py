"""Areas and sites, and dated observations of who controls an area."""

from django.conf import settings
from django.db import models

from safepassage.core.models import GeoBBox, Versioned


class PlaceKind(models.TextChoices):
    AREA = "area", "area"
    SITE = "site", "site"


class Place(Versioned, GeoBBox):
    kind = models.CharField(max_length=10, choices=PlaceKind.choices, db_index=True)
    name = models.CharField(max_length=200)
    name_ar = models.CharField(max_length=200, blank=True)
    pcode = models.CharField(max_length=30, blank=True, db_index=True)
    site_type = models.CharField(max_length=40, blank=True, db_index=True)
    source = models.CharField(max_length=200, blank=True, help_text="dataset the place was imported from")
    external_id = models.CharField(max_length=100, blank=True, help_text="key of the feature in its source")

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="place_unique_source_key",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ControlObservation(models.Model):
    """Who controls an area from a given time, according to a source: an observation, not a fixed fact."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="control_observations")
    party = models.ForeignKey("accounts.Party", null=True, blank=True, on_delete=models.PROTECT,
                              help_text="empty when contested or unknown")
    status = models.CharField(
        max_length=12, default="controlled",
        choices=[("controlled", "controlled"), ("contested", "contested"), ("unknown", "unknown")],
    )
    observed_from = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=300)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["place_id", "-observed_from", "-id"]


class PopulationFigure(models.Model):
    """How many people live in an area, according to a source on a date (an estimate, not a count we made)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="population_figures")
    people = models.PositiveIntegerField()
    source = models.CharField(max_length=300)
    as_of = models.DateField()
    illustrative = models.BooleanField(default=False, help_text="a made-up figure of the demo, not data")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["place_id", "-as_of", "-id"]
