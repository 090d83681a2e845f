"""Meal stations, first-aid points and reception centres at corridor exits: capacity, stock, people served."""

from django.conf import settings
from django.db import models

from safepassage.core.models import Versioned
from safepassage.core.timeutil import operation_zone_name


class Kind(models.TextChoices):
    MEAL_STATION = "meal_station", "meal station"
    FIRST_AID = "first_aid", "first-aid point"
    RECEPTION_CENTRE = "reception_centre", "reception centre"


class ServicePoint(Versioned):
    name = models.CharField(max_length=200, unique=True)
    name_ar = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="service_points")
    corridor = models.ForeignKey("corridors.Corridor", on_delete=models.PROTECT, related_name="service_points",
                                 help_text="the corridor whose exit this point serves")
    arrival_direction = models.CharField(max_length=3, choices=[("out", "out"), ("in", "in")], default="out",
                                         help_text="which counted direction arrives at this exit")
    lon = models.FloatField()
    lat = models.FloatField()
    capacity_per_hour = models.PositiveIntegerField()
    capacity_per_day = models.PositiveIntegerField()
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    timezone = models.CharField(max_length=64, default=operation_zone_name)
    units_per_person = models.JSONField(default=dict, help_text="stock item -> units one person uses, e.g. "
                                                                "{'meal': 1, 'water_litre': 3}")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["corridor_id", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class StockKind(models.TextChoices):
    RECEIVED = "received", "received"
    ISSUED = "issued", "issued"
    ADJUSTED = "adjusted", "adjusted (count, loss, damage)"


class StockEntry(models.Model):
    """Append-only ledger line; `delta` is signed and `balance_after` is never negative."""

    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="stock_entries")
    item = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=StockKind.choices)
    delta = models.IntegerField()
    balance_after = models.PositiveIntegerField()
    reason = models.TextField()
    at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["service_point_id", "item", "id"]
        indexes = [models.Index(fields=["service_point", "item", "at"], name="stock_point_item_at")]
        constraints = [models.CheckConstraint(condition=models.Q(balance_after__gte=0), name="stock_never_negative")]


class PeopleServed(Versioned):
    """People served by one point in one clock hour (UTC); a change is audited with before and after."""

    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="people_served")
    hour_start = models.DateTimeField()
    people = models.PositiveIntegerField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["service_point_id", "hour_start"]
        constraints = [models.UniqueConstraint(fields=["service_point", "hour_start"], name="served_once_per_hour")]
