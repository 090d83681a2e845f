"""Aid convoys: vehicles, manifest, inspections and seals, movement, delivery receipt.

Incidents on the way are incidents of the incidents app, linked to the convoy (`convoy.recorded_incidents`).
"""

from django.conf import settings
from django.db import models

from safepassage.convoys import lifecycle
from safepassage.core.models import Versioned


class Category(models.TextChoices):
    FOOD = "food", "food"
    MEDICAL = "medical", "medical"
    SHELTER = "shelter", "shelter"
    WASH = "wash", "water, sanitation and hygiene"
    FUEL = "fuel", "fuel"


class Unit(models.TextChoices):
    KG = "kg", "kilogram"
    TONNE = "t", "tonne"
    LITRE = "l", "litre"
    CUBIC_METRE = "m3", "cubic metre"
    PIECE = "piece", "piece"
    BOX = "box", "box"
    CARTON = "carton", "carton"
    BAG = "bag", "bag"
    PALLET = "pallet", "pallet"
    KIT = "kit", "kit"
    DOSE = "dose", "dose"
    ROLL = "roll", "roll"


class ConvoyStatus(models.TextChoices):
    PLANNED = lifecycle.PLANNED, "planned"
    NOTIFIED = lifecycle.NOTIFIED, "notified"
    CLEARED = lifecycle.CLEARED, "cleared to move"
    DEPARTED = lifecycle.DEPARTED, "departed"
    ARRIVED = lifecycle.ARRIVED, "arrived"
    DELIVERED = lifecycle.DELIVERED, "delivered"
    ABORTED = lifecycle.ABORTED, "aborted"
    RETURNED = lifecycle.RETURNED, "returned"


class CargoDirection(models.TextChoices):
    IN = "in", "into the besieged area"
    OUT = "out", "out of the besieged area"


class Convoy(Versioned):
    reference = models.CharField(max_length=40, unique=True)
    title = models.CharField(max_length=200)
    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="convoys")
    origin = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="convoys_from")
    destination = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="convoys_to")
    destination_service_point = models.ForeignKey(
        "servicepoints.ServicePoint", null=True, blank=True, on_delete=models.PROTECT, related_name="convoys_to",
        help_text="the meal station, first-aid point or reception centre receiving the cargo, if any")
    destination_note = models.CharField(max_length=200, blank=True,
                                        help_text="e.g. the service point or warehouse at the destination")
    corridor = models.ForeignKey("corridors.Corridor", on_delete=models.PROTECT, related_name="convoys")
    route = models.JSONField(null=True, blank=True, help_text="GeoJSON line; empty means the corridor's route")
    direction = models.CharField(max_length=3, choices=CargoDirection.choices, default=CargoDirection.IN)
    planned_departure = models.DateTimeField(db_index=True)
    planned_arrival = models.DateTimeField()
    pause = models.ForeignKey("pauses.Pause", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="convoys", help_text="the pause the schedule fits in")
    status = models.CharField(max_length=10, choices=ConvoyStatus.choices, default=ConvoyStatus.PLANNED,
                              db_index=True)
    status_reason = models.TextField(blank=True)
    manifest_version = models.PositiveIntegerField(default=1)
    last_lon = models.FloatField(null=True, blank=True)
    last_lat = models.FloatField(null=True, blank=True)
    last_position_at = models.DateTimeField(null=True, blank=True)
    seal_alert = models.BooleanField(default=False)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["planned_departure", "id"]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Vehicle(models.Model):
    convoy = models.ForeignKey(Convoy, on_delete=models.CASCADE, related_name="vehicles")
    plate = models.CharField(max_length=30)
    vehicle_type = models.CharField(max_length=60)
    markings = models.CharField(max_length=200, blank=True)
    driver_names = models.JSONField(default=list, help_text="restricted personal data")

    class Meta:
        ordering = ["convoy_id", "id"]
        constraints = [models.UniqueConstraint(fields=["convoy", "plate"], name="vehicle_unique_plate")]


class ManifestLine(models.Model):
    convoy = models.ForeignKey(Convoy, on_delete=models.CASCADE, related_name="manifest")
    line_no = models.PositiveIntegerField()
    item = models.CharField(max_length=200)
    item_key = models.CharField(max_length=200, help_text="normalised item name, for duplicate checks")
    category = models.CharField(max_length=10, choices=Category.choices)
    quantity = models.DecimalField(max_digits=16, decimal_places=3)
    unit = models.CharField(max_length=10, choices=Unit.choices)
    weight_kg = models.DecimalField(max_digits=16, decimal_places=3)

    class Meta:
        ordering = ["convoy_id", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["convoy", "line_no"], name="manifest_unique_line_no"),
            models.UniqueConstraint(fields=["convoy", "item_key", "category", "unit"],
                                    name="manifest_unique_item"),
        ]


class InspectionResult(models.TextChoices):
    CLEARED = "cleared", "cleared"
    CLEARED_WITH_REMARKS = "cleared_with_remarks", "cleared with remarks"
    REFUSED = "refused", "refused"


class Inspection(models.Model):
    convoy = models.ForeignKey(Convoy, on_delete=models.CASCADE, related_name="inspections")
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    inspector_label = models.CharField(max_length=150)
    checkpoint = models.ForeignKey("corridors.Checkpoint", null=True, blank=True, on_delete=models.PROTECT)
    place = models.ForeignKey("places.Place", null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField()
    result = models.CharField(max_length=24, choices=InspectionResult.choices)
    remarks = models.TextField(blank=True)
    no_weapons_attested = models.BooleanField(
        help_text="no weapons, ammunition or military equipment were found")
    items_checked = models.JSONField(default=list, help_text="manifest line numbers checked")
    manifest_version = models.PositiveIntegerField(help_text="the manifest version inspected")

    class Meta:
        ordering = ["convoy_id", "at", "id"]

    @property
    def clears(self) -> bool:
        return self.result in (InspectionResult.CLEARED, InspectionResult.CLEARED_WITH_REMARKS)


class Discrepancy(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="discrepancies")
    item = models.CharField(max_length=200)
    expected = models.CharField(max_length=100)
    found = models.CharField(max_length=100)


class SealState(models.TextChoices):
    APPLIED = "applied", "applied, not yet checked"
    INTACT = "intact", "intact on arrival"
    BROKEN = "broken", "broken on arrival"
    MISSING = "missing", "missing on arrival"
    CHANGED = "changed", "a different seal found on arrival"


class Seal(models.Model):
    convoy = models.ForeignKey(Convoy, on_delete=models.CASCADE, related_name="seals")
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="seals")
    number = models.CharField(max_length=60)
    state = models.CharField(max_length=10, choices=SealState.choices, default=SealState.APPLIED)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["convoy_id", "number"]
        constraints = [models.UniqueConstraint(fields=["inspection", "number"], name="seal_unique_number")]


class ConvoyStatusChange(models.Model):
    convoy = models.ForeignKey(Convoy, on_delete=models.CASCADE, related_name="status_history")
    from_status = models.CharField(max_length=10, blank=True)
    status = models.CharField(max_length=10, choices=ConvoyStatus.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    at = models.DateTimeField()

    class Meta:
        ordering = ["convoy_id", "id"]  # the order the changes were made in


class MovementOverride(models.Model):
    """A movement recorded although it fell outside the agreed pause or the corridor's status or hours."""

    convoy = models.ForeignKey(Convoy, on_delete=models.CASCADE, related_name="overrides")
    event = models.CharField(max_length=12, help_text="departed, position, arrived or delivered")
    at = models.DateTimeField(help_text="when the movement happened")
    problems = models.JSONField(help_text="why it was outside the agreement, as the checks said")
    reason = models.TextField(help_text="the coordinator's written reason")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["convoy_id", "at", "id"]


class PositionUpdate(models.Model):
    convoy = models.ForeignKey(Convoy, on_delete=models.CASCADE, related_name="positions")
    at = models.DateTimeField()
    lon = models.FloatField()
    lat = models.FloatField()
    checkpoint = models.ForeignKey("corridors.Checkpoint", null=True, blank=True, on_delete=models.PROTECT)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["convoy_id", "at", "id"]


class DeliveryReceipt(models.Model):
    convoy = models.OneToOneField(Convoy, on_delete=models.CASCADE, related_name="receipt")
    received_at = models.DateTimeField()
    received_by = models.CharField(max_length=200, help_text="receiving organisation or function")
    remarks = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(DeliveryReceipt, on_delete=models.CASCADE, related_name="lines")
    manifest_line = models.ForeignKey(ManifestLine, on_delete=models.PROTECT)
    quantity_received = models.DecimalField(max_digits=16, decimal_places=3)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["receipt_id", "manifest_line__line_no"]
        constraints = [models.UniqueConstraint(fields=["receipt", "manifest_line"], name="receipt_unique_line")]
