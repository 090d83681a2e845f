"""Communities (places with a population figure), local agreements, their status history, claimed tallies."""

from django.conf import settings
from django.db import models

from safepassage.core.models import Versioned


class Community(Versioned):
    """A populated place or area that may sign a local agreement, with a sourced, dated population figure."""

    place = models.OneToOneField("places.Place", on_delete=models.PROTECT, related_name="community")
    population = models.PositiveIntegerField(null=True, blank=True, help_text="empty when the source gives none")
    population_source = models.CharField(max_length=300, blank=True)
    population_as_of = models.DateField(null=True, blank=True, help_text="date of the figure, when the source gives it")

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["place__name"]

    def __str__(self) -> str:
        return self.place.name


class AgreementKind(models.TextChoices):
    LOCAL_CEASEFIRE = "local_ceasefire", "local ceasefire"
    RECONCILIATION = "reconciliation", "reconciliation or settlement"
    EVACUATION = "evacuation", "evacuation agreement"
    OTHER = "other", "other"


class AgreementStatus(models.TextChoices):
    SIGNED = "signed", "signed"
    IN_FORCE = "in_force", "in force"
    SUSPENDED = "suspended", "suspended"
    BREACHED = "breached", "breached"
    LAPSED = "lapsed", "lapsed"
    TERMINATED = "terminated", "terminated"


class PartyRole(models.TextChoices):
    PARTY = "party", "party"
    GUARANTOR = "guarantor", "guarantor"
    WITNESS = "witness", "witness"
    MEDIATOR = "mediator", "mediator"


class Agreement(Versioned):
    """A community's local agreement; its status is read from its dated history, never stored here.

    `terms` holds the text. Signed documents attach as evidence files of the incidents app's storage
    (with their SHA-256) through a many-to-many field added here once that storage exists; the API's
    `AgreementRead` then gains the list, and nothing else changes.
    """

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="agreements")
    name = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=AgreementKind.choices)
    signed_at = models.DateTimeField()
    terms = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    parties = models.ManyToManyField("accounts.Party", through="AgreementParty", related_name="agreements")
    areas = models.ManyToManyField("places.Place", blank=True, related_name="agreements_covering")
    corridors = models.ManyToManyField("corridors.Corridor", blank=True, related_name="agreements")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [
            models.Index(fields=["signed_at", "community"], name="agreement_signed_community"),
            models.Index(fields=["community", "signed_at"], name="agreement_community_signed"),
        ]

    def __str__(self) -> str:
        return self.name


class AgreementParty(models.Model):
    """A signatory or third party (guarantor, witness, mediator) of an agreement."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="party_roles")
    party = models.ForeignKey("accounts.Party", on_delete=models.PROTECT)
    role = models.CharField(max_length=12, choices=PartyRole.choices)

    class Meta:
        ordering = ["agreement_id", "role", "party_id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "party", "role"], name="agreement_party_role")]


class AgreementStatusChange(models.Model):
    """The status an agreement has from `valid_from` on, according to a source; who recorded it and when."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="status_history")
    status = models.CharField(max_length=12, choices=AgreementStatus.choices)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True, editable=False,
                                       help_text="the next change's valid_from (empty for the latest); kept by the "
                                                 "services so that the status at a moment is one range look-up")
    source = models.CharField(max_length=300)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["agreement_id", "valid_from", "id"]
        constraints = [models.UniqueConstraint(fields=["agreement", "valid_from"], name="agreement_status_instant")]
        indexes = [models.Index(fields=["status", "valid_from", "valid_until", "agreement"],
                                name="agreement_status_span")]


class TallyMetric(models.TextChoices):
    SIGNED_TOTAL = "signed_total", "communities that signed, in total"
    SIGNED_LAST_24H = "signed_last_24h", "communities that signed in the last 24 hours"
    IN_FORCE = "in_force", "communities with an agreement in force"


class ClaimedTally(models.Model):
    """A party's own figure (e.g. "783 populated areas"): a claim with its source, never mixed with the count."""

    party = models.ForeignKey("accounts.Party", on_delete=models.PROTECT, related_name="claimed_tallies")
    metric = models.CharField(max_length=20, choices=TallyMetric.choices, default=TallyMetric.SIGNED_TOTAL)
    claimed = models.PositiveIntegerField()
    as_of = models.DateTimeField(db_index=True)
    source = models.CharField(max_length=300)
    quote = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-as_of", "-id"]
