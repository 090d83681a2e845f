"""Organisations, parties, users with one role each, and API tokens."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from safepassage.core.permissions import Role


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    acronym = models.CharField(max_length=30, blank=True)

    def __str__(self) -> str:
        return self.acronym or self.name


class Party(models.Model):
    """A party to the conflict, or an authority, that is notified and may acknowledge."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=60, unique=True)
    name_ar = models.CharField(max_length=200, blank=True)
    color = models.CharField(max_length=7, default="#888888", help_text="map colour, #rrggbb")
    description = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "parties"
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=[(r.value, r.value) for r in Role], default=Role.PARTNER)
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT)
    party = models.ForeignKey(
        Party, null=True, blank=True, on_delete=models.PROTECT, help_text="for party liaisons"
    )


class ApiToken(models.Model):
    """A bearer token; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="default")
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="refused from then on; none: never")

    def __str__(self) -> str:
        return f"{self.user.username}:{self.prefix}…"
