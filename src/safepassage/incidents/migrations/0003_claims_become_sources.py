"""Every claim recorded before incidents existed becomes the party-statement source of an incident.

The claim rows stay as they are (verification, note, recorded_at/by): the source points to its claim.
The new incident starts unverified: its status is a verifier's decision of its own.
"""

from datetime import UTC, datetime, time

from django.db import migrations

CATEGORIES = {
    "access_denial_of_needs", "access_restriction_of_services", "access_impediments_to_entry",
    "access_restriction_of_movement", "access_interference", "access_violence_against_personnel",
    "access_hostilities", "access_mines_ied_uxo", "access_physical_constraints", "grave_killing_maiming",
    "grave_recruitment", "grave_sexual_violence", "grave_attacks_schools_hospitals", "grave_abduction",
    "grave_denial_of_access", "military_use_of_civilian_buildings", "attack_on_corridor_users",
    "damage_observed", "other",
}


def claims_to_sources(apps, schema_editor):
    Claim = apps.get_model("incidents", "Claim")
    Incident = apps.get_model("incidents", "Incident")
    Source = apps.get_model("incidents", "Source")
    for claim in Claim.objects.filter(sources__isnull=True).order_by("id"):
        latest = (datetime.combine(claim.published_on, time(23, 59, 59), tzinfo=UTC)
                  if claim.published_on else None)
        incident = Incident.objects.create(
            title=claim.summary[:200], description=claim.summary,
            categories=[claim.category if claim.category in CATEGORIES else "other"],
            time_latest=latest, time_precision="day" if latest else "unknown",
            verification="unverified", published=False, recorded_by_id=claim.recorded_by_id,
            recorded_at=claim.recorded_at)
        incident.places.set(claim.places.all())
        incident.corridors.set(claim.corridors.all())
        Source.objects.create(
            incident=incident, kind="party_statement", name=(claim.speaker or claim.source_name)[:200],
            statement=claim.quote or claim.summary, connection="party",
            obtained_where=(claim.source_url or claim.source_name)[:200], reliability="F", credibility=6,
            claim=claim, recorded_by_id=claim.recorded_by_id, recorded_at=claim.recorded_at)


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0002_incidents_sources_evidence_verification"),
    ]

    operations = [
        migrations.RunPython(claims_to_sources, migrations.RunPython.noop),
    ]
