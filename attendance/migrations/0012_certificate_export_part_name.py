from django.db import migrations, models


def name_the_parts(apps, schema_editor):
    """Parts rendered before each copy saved under a name of its own sit at the chunk's
    fixed name (attendance.export_files.part_name)."""
    Part = apps.get_model("attendance", "CertificateExportPart")
    for part in Part.objects.filter(name=""):
        part.name = f"certificate-exports/{part.export_id}/part-{part.index:05d}.zip"
        part.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0011_statement_exports"),
    ]

    operations = [
        migrations.AddField(
            model_name="certificateexportpart",
            name="name",
            field=models.CharField(default="", max_length=200),
            preserve_default=False,
        ),
        migrations.RunPython(name_the_parts, migrations.RunPython.noop),
    ]
