"""Every convoy incident becomes an incident of the incidents app, linked to its convoy and corridor.

Kept: the time (an interval of the event's minute), the description, the point, who recorded it and when.
The new incident is unverified and unpublished, like any report before a verifier's decision. The audit
chain gets one `convoy.incident_moved` entry per row (old id -> new id): the earlier `convoy.incident_recorded`
entries name the old id. Then the ConvoyIncident model goes.
"""

from django.db import migrations, transaction

CATEGORIES = {  # the convoy route's kinds and the incident category each is (as of this migration)
    "violence_against_personnel_assets": ("access_violence_against_personnel",
                                          "violence against humanitarian personnel, facilities and assets"),
    "hostilities": ("access_hostilities", "ongoing insecurity or hostilities affecting assistance"),
    "restriction_of_movement": ("access_restriction_of_movement", "restriction of movement within the country"),
    "interference_in_implementation": ("access_interference",
                                       "interference in the implementation of humanitarian activities"),
    "mines_ied_uxo": ("access_mines_ied_uxo", "presence of landmines, IED and UXO"),
    "physical_constraints": ("access_physical_constraints", "physical constraints in the environment"),
}


def copy_to_incidents(apps, schema_editor):
    from safepassage.audit.services import record_many

    ConvoyIncident = apps.get_model("convoys", "ConvoyIncident")  # noqa: N806 - a model class
    Incident = apps.get_model("incidents", "Incident")  # noqa: N806
    moved = []
    with transaction.atomic(using=schema_editor.connection.alias):
        for old in ConvoyIncident.objects.select_related("convoy").order_by("id"):
            category, label = CATEGORIES.get(old.kind, ("other", old.kind))
            point = None if old.lon is None or old.lat is None else {"type": "Point", "coordinates": [old.lon, old.lat]}
            incident = Incident.objects.create(
                title=f"{old.convoy.reference}: {label}"[:200], description=old.description, geometry=point,
                time_earliest=old.at, time_latest=old.at, time_precision="minute", categories=[category],
                verification="unverified", published=False, recorded_by_id=old.recorded_by_id,
                recorded_at=old.recorded_at)
            incident.convoys.add(old.convoy_id)
            incident.corridors.add(old.convoy.corridor_id)
            moved.append({"actor": None, "action": "convoy.incident_moved", "object_type": "convoys.convoy",
                          "object_id": old.convoy_id, "after": {"convoy_incident": old.pk, "incident": incident.pk}})
        record_many(moved)


class Migration(migrations.Migration):

    dependencies = [
        ("convoys", "0003_movement_override"),
        ("incidents", "0005_merge_0004_hazard_hazardstatuschange_0004_import_runs"),
    ]

    operations = [
        migrations.RunPython(copy_to_incidents, migrations.RunPython.noop),
        migrations.DeleteModel(name="ConvoyIncident"),
    ]
