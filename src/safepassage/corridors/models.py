"""Corridors, their checkpoints and their status history."""

from django.conf import settings
from django.db import models

from safepassage.core.models import GeoBBox, Versioned
from safepassage.core.timeutil import operation_zone_name


class Direction(models.TextChoices):
    OUT = "out", "out of the besieged area"
    IN = "in", "into the besieged area"
    BOTH = "both", "both directions"


class Group(models.TextChoices):
    CIVILIANS = "civilians", "civilians"
    WOUNDED_SICK = "wounded_sick", "wounded and sick"
    LEAVING_WITHOUT_WEAPONS = "leaving_armed_groups_unarmed", "persons leaving armed groups without weapons"
    LEAVING_WITH_WEAPONS = "leaving_armed_groups_armed", "persons leaving armed groups with weapons"
    CARGO = "humanitarian_cargo", "humanitarian cargo"


class CorridorStatus(models.TextChoices):
    OPEN = "open", "open"
    SUSPENDED = "suspended", "suspended"
    CLOSED = "closed", "closed"


class Corridor(Versioned, GeoBBox):
    name = models.CharField(max_length=200, unique=True)
    name_ar = models.CharField(max_length=200, blank=True)
    direction = models.CharField(max_length=5, choices=Direction.choices)
    eligible_groups = models.JSONField(default=list)
    opens_at = models.TimeField(help_text="daily opening, local time")
    closes_at = models.TimeField(help_text="daily closing, local time; before opens_at means past midnight")
    timezone = models.CharField(max_length=64, default=operation_zone_name)
    status = models.CharField(max_length=10, choices=CorridorStatus.choices, default=CorridorStatus.CLOSED)
    origin = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="corridors_from")
    destination = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="corridors_to")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CorridorStatusChange(models.Model):
    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="status_history")
    status = models.CharField(max_length=10, choices=CorridorStatus.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["corridor_id", "at", "id"]


class Checkpoint(Versioned):
    corridor = models.ForeignKey(Corridor, on_delete=models.CASCADE, related_name="checkpoints")
    name = models.CharField(max_length=200)
    name_ar = models.CharField(max_length=200, blank=True)
    lon = models.FloatField()
    lat = models.FloatField()
    inspects_cargo = models.BooleanField(default=False)
    capacity_per_minute = models.FloatField(default=0, help_text="people who can pass per minute; 0 unknown")

    class Meta:
        ordering = ["corridor_id", "name"]
        constraints = [models.UniqueConstraint(fields=["corridor", "name"], name="checkpoint_unique_name")]

    def __str__(self) -> str:
        return self.name
