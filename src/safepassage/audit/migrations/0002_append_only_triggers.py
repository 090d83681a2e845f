from django.db import migrations


def install(apps, schema_editor):
    from safepassage.audit import guard

    guard.install(schema_editor.connection)


def remove(apps, schema_editor):
    from safepassage.audit import guard

    guard.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
