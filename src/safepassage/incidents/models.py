"""Incidents with their sources, evidence files, attributions as claimed, and verification decisions.

A party's or a source's statement is never more than a claim without evidence; a status changes only
by a verifier's recorded decision. Claims of the foundation stay, and a source can point to one.
"""

from django.conf import settings
from django.db import models

from safepassage.core.models import GeoBBox


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


class Category(models.TextChoices):
    # the 9 humanitarian access constraints (ACAPS / OCHA access monitoring framework)
    DENIAL_OF_NEEDS = "access_denial_of_needs", "denial of humanitarian needs or entitlements"
    RESTRICTION_OF_SERVICES = "access_restriction_of_services", "restriction of access to services and assistance"
    IMPEDIMENTS_TO_ENTRY = "access_impediments_to_entry", "impediments to enter the country"
    RESTRICTION_OF_MOVEMENT = "access_restriction_of_movement", "restriction of movement within the country"
    INTERFERENCE = "access_interference", "interference in the implementation of humanitarian activities"
    VIOLENCE_AGAINST_PERSONNEL = "access_violence_against_personnel", \
        "violence against humanitarian personnel, facilities and assets"
    HOSTILITIES = "access_hostilities", "ongoing insecurity or hostilities affecting assistance"
    MINES_IED_UXO = "access_mines_ied_uxo", "presence of landmines, IED and UXO"
    PHYSICAL_CONSTRAINTS = "access_physical_constraints", "physical constraints in the environment"
    # the six grave violations against children (UNSC resolutions 1612, 1882, 1998)
    KILLING_MAIMING = "grave_killing_maiming", "killing and maiming of children"
    RECRUITMENT = "grave_recruitment", "recruitment and use of children"
    SEXUAL_VIOLENCE = "grave_sexual_violence", "sexual violence against children"
    ATTACKS_SCHOOLS_HOSPITALS = "grave_attacks_schools_hospitals", "attacks on schools or hospitals"
    ABDUCTION = "grave_abduction", "abduction of children"
    DENIAL_OF_ACCESS = "grave_denial_of_access", "denial of humanitarian access to children"
    # and
    MILITARY_USE = "military_use_of_civilian_buildings", "military use of civilian buildings"
    ATTACK_ON_CORRIDOR = "attack_on_corridor_users", "attack on people using a corridor"
    DAMAGE_OBSERVED = "damage_observed", "damage observed"
    OTHER = "other", "other"


GRAVE_VIOLATIONS = frozenset(c for c in Category.values if c.startswith("grave_"))

# The kinds the convoy route names (its vocabulary before one Incident model) and the category each is.
CONVOY_KIND_CATEGORIES = {
    "violence_against_personnel_assets": Category.VIOLENCE_AGAINST_PERSONNEL,
    "hostilities": Category.HOSTILITIES,
    "restriction_of_movement": Category.RESTRICTION_OF_MOVEMENT,
    "interference_in_implementation": Category.INTERFERENCE,
    "mines_ied_uxo": Category.MINES_IED_UXO,
    "physical_constraints": Category.PHYSICAL_CONSTRAINTS,
}


def convoy_kind(categories: list[str]) -> str:
    """The convoy route's kind of an incident: the first category it maps from, else the first category."""
    kinds = {category: kind for kind, category in CONVOY_KIND_CATEGORIES.items()}
    return next((kinds[c] for c in categories if c in kinds), categories[0] if categories else Category.OTHER.value)


class TimePrecision(models.TextChoices):
    MINUTE = "minute", "minute"
    HOUR = "hour", "hour"
    DAY = "day", "day"
    MONTH = "month", "month"
    YEAR = "year", "year"
    UNKNOWN = "unknown", "unknown"


class ImportRun(models.Model):
    """One run of `safepassage import incidents`: every imported incident names the run that stored it."""

    source = models.CharField(max_length=200, help_text="the source named for the whole file")
    file_name = models.CharField(max_length=300)
    counts = models.JSONField(default=dict)
    run_by = models.CharField(max_length=100, help_text="who ran it, as the audit log names an actor")
    run_at = models.DateTimeField()

    class Meta:
        ordering = ["-run_at", "-id"]


class Incident(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    geometry = models.JSONField(null=True, blank=True, help_text="GeoJSON Point, LineString or Polygon")
    location_precision_m = models.PositiveIntegerField(null=True, blank=True,
                                                       help_text="how precisely the location is known")
    protected = models.BooleanField(default=False, help_text="show only a coarsened location to the public")
    public_precision_m = models.PositiveIntegerField(default=1000,
                                                     help_text="grid size of the public location when protected")
    time_earliest = models.DateTimeField(null=True, blank=True)
    time_latest = models.DateTimeField(null=True, blank=True)
    time_precision = models.CharField(max_length=10, choices=TimePrecision.choices, default=TimePrecision.UNKNOWN)
    categories = models.JSONField(default=list)
    people_affected = models.JSONField(default=dict, help_text="counts by group; never names")
    verification = models.CharField(max_length=24, choices=Verification.choices, default=Verification.UNVERIFIED)
    published = models.BooleanField(default=False)
    places = models.ManyToManyField("places.Place", blank=True, related_name="incidents")
    corridors = models.ManyToManyField("corridors.Corridor", blank=True, related_name="incidents")
    convoys = models.ManyToManyField("convoys.Convoy", blank=True, related_name="recorded_incidents")
    pauses = models.ManyToManyField("pauses.Pause", blank=True, related_name="incidents")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", help_text="the verifier reviewing it now")
    assigned_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()
    import_run = models.ForeignKey(ImportRun, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="incidents", help_text="the import run that last stored it")
    import_source = models.CharField(max_length=200, blank=True, help_text="the dataset it was imported from")
    import_key = models.CharField(max_length=100, blank=True,
                                  help_text="the feature's id in its dataset, or a hash of its content")
    client_uuid = models.UUIDField(null=True, blank=True, unique=True,
                                   help_text="the form that recorded it: the same form posted again stores nothing")

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["verification", "published"]),
                   models.Index(fields=["import_source", "import_key"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_grave_violation(self) -> bool:
        return bool(GRAVE_VIOLATIONS & set(self.categories))


class SourceKind(models.TextChoices):
    AGENCY = "agency", "agency"
    MEDIA = "media", "media"
    MONITOR = "monitor", "monitor"
    WITNESS = "witness", "witness"
    PARTY_STATEMENT = "party_statement", "party statement"
    SATELLITE_IMAGERY = "satellite_imagery", "satellite imagery"


class Connection(models.TextChoices):
    VICTIM = "victim", "victim"
    WITNESS = "witness", "witness"
    REPORTER = "reporter", "reporter"
    PARTY = "party", "party"


class Reliability(models.TextChoices):
    A = "A", "completely reliable"
    B = "B", "usually reliable"
    C = "C", "fairly reliable"
    D = "D", "not usually reliable"
    E = "E", "unreliable"
    F = "F", "reliability cannot be judged"


class Source(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="sources")
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    name = models.CharField(max_length=200, help_text="a public name (agency, outlet) or a label ('witness 2')")
    statement = models.TextField()
    obtained_at = models.DateTimeField(null=True, blank=True)
    obtained_where = models.CharField(max_length=200, blank=True)
    connection = models.CharField(max_length=10, choices=Connection.choices)
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F)
    credibility = models.PositiveSmallIntegerField(default=6, help_text="1 confirmed ... 6 cannot be judged")
    identity_enc = models.TextField(blank=True, help_text="the person's identity, encrypted (Fernet)")
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="sources",
                              help_text="the recorded claim this party statement comes from")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=models.Q(credibility__gte=1, credibility__lte=6),
                                              name="source_credibility_1_6")]


class Attribution(models.Model):
    """Who did it, as claimed by one named source; a null party means 'unknown'."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="attributions")
    party = models.ForeignKey("accounts.Party", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="attributions")
    verification = models.CharField(max_length=24, choices=Verification.choices, default=Verification.UNVERIFIED)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class EvidenceFile(models.Model):
    """One stored file, named by its SHA-256 and never modified; uploaded twice, it is still one file."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=100, blank=True)
    storage_name = models.CharField(max_length=300)
    derived_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="derived", help_text="the original of a published copy")
    integrity_failed_at = models.DateTimeField(null=True, blank=True)
    integrity_note = models.TextField(blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class EvidenceLink(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence_links")
    file = models.ForeignKey(EvidenceFile, on_delete=models.PROTECT, related_name="links")
    original_name = models.CharField(max_length=255, blank=True)
    note = models.TextField(blank=True)
    published_copy = models.ForeignKey(EvidenceFile, null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="+", help_text="derived copy, metadata removed, for the public")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]


class VerificationDecision(models.Model):
    """A verifier's decision and what it rests on; a grave violation's 'verified' waits for a second verifier."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="decisions")
    attribution = models.ForeignKey(Attribution, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="decisions")
    status = models.CharField(max_length=24, choices=Verification.choices)
    note = models.TextField()
    evidence = models.ManyToManyField(EvidenceFile, blank=True, related_name="+")
    sources = models.ManyToManyField(Source, blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    needs_confirmation = models.BooleanField(default=False)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_note = models.TextField(blank=True)

    class Meta:
        ordering = ["decided_at", "id"]


# ---------------------------------------------------------------------------------------------------------------
# Hazards (issue 18 item 5): mine action vocabulary (IMAS 05.10: SHA/CHA, evidence direct/indirect/none)


class HazardKind(models.TextChoices):
    MINES_UXO_IED = "mines_uxo_ied", "mines, UXO or IED"
    SHELLING_ZONE = "shelling_zone", "shelling zone"
    FRONT_LINE = "front_line", "front line"
    BLOCKED_ROAD = "blocked_road", "blocked road"


class ContaminationEvidence(models.TextChoices):
    DIRECT = "direct", "direct"
    INDIRECT = "indirect", "indirect"
    NONE = "none", "none"


class HazardClassification(models.TextChoices):
    SUSPECTED = "suspected", "suspected hazardous area (SHA)"
    CONFIRMED = "confirmed", "confirmed hazardous area (CHA)"


class HazardStatus(models.TextChoices):
    REPORTED = "reported", "reported"
    CONFIRMED = "confirmed", "confirmed"
    BEING_CLEARED = "being_cleared", "being cleared"
    CLEARED = "cleared", "cleared"
    CANCELLED = "cancelled", "cancelled"


class Hazard(GeoBBox):
    """A danger with a footprint; its status changes only by a recorded decision, never by itself."""

    kind = models.CharField(max_length=16, choices=HazardKind.choices)
    description = models.TextField(blank=True)
    evidence = models.CharField(max_length=8, choices=ContaminationEvidence.choices,
                                default=ContaminationEvidence.INDIRECT)
    classification = models.CharField(max_length=10, choices=HazardClassification.choices,
                                      default=HazardClassification.SUSPECTED)
    status = models.CharField(max_length=14, choices=HazardStatus.choices, default=HazardStatus.REPORTED,
                              db_index=True)
    status_since = models.DateTimeField()
    incidents = models.ManyToManyField(Incident, blank=True, related_name="hazards")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-status_since", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class HazardStatusChange(models.Model):
    hazard = models.ForeignKey(Hazard, on_delete=models.PROTECT, related_name="status_history")
    status = models.CharField(max_length=14, choices=HazardStatus.choices)
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["hazard_id", "at", "id"]
