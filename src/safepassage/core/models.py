"""Shared model pieces."""

from django.db import models

from safepassage.core.errors import InvalidInput, VersionConflict


class Versioned(models.Model):
    """Optimistic concurrency: every update must carry the version it was based on."""

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def check_version(self, expected: int) -> None:
        if expected != self.version:
            raise VersionConflict(
                f"this record was changed by someone else (you sent version {expected}, "
                f"it is now at version {self.version}); reload it and apply your change again",
                field="version",
            )


class GeoBBox(models.Model):
    """A GeoJSON geometry with its bounding box in indexed columns, for bbox filters."""

    geometry = models.JSONField()
    min_lon = models.FloatField(db_index=True)
    min_lat = models.FloatField(db_index=True)
    max_lon = models.FloatField(db_index=True)
    max_lat = models.FloatField(db_index=True)

    class Meta:
        abstract = True

    def set_geometry(self, geometry: dict) -> None:
        from safepassage.core.geometry import bbox_of

        self.geometry = geometry
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = bbox_of(geometry)


def snapshot(obj: models.Model, fields: list[str]) -> dict:
    """A JSON-ready copy of some fields, for audit before/after."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        out[name] = value
    return out


def get_or_refuse(model: type[models.Model], pk: int | None, field: str):
    """The row an input names (None for no id), refused as invalid input naming the field if it does not exist."""
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise InvalidInput(f"unknown {model._meta.verbose_name}", field=field)
    return obj
