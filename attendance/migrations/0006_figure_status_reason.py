"""The figures table learns "not_started" and keeps the reason for a status.

The status ranks change, and every stored status was worked out by the old rule, so the
rows are emptied: attendance.figures.fill_after_migrate refills an empty table by the new
rule at the end of this same migrate (and the nightly rebuild would anyway).
"""

from django.db import migrations, models


def empty_figures(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("attendance", "TraineeFigure").objects.using(db).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0005_certificate_design_and_change_reason"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="traineefigure",
            name="figure_status_rank_valid",
        ),
        migrations.RunPython(empty_figures, empty_figures, elidable=True),
        migrations.AddField(
            model_name="traineefigure",
            name="status_reason",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name="traineefigure",
            name="status",
            field=models.CharField(
                choices=[
                    ("at_risk", "At risk"),
                    ("not_started", "Not started"),
                    ("on_track", "On track"),
                    ("complete", "Complete"),
                ],
                default="at_risk",
                max_length=11,
            ),
        ),
        migrations.AddConstraint(
            model_name="traineefigure",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "at_risk"), ("status_rank", 0)),
                    models.Q(("status", "not_started"), ("status_rank", 1)),
                    models.Q(("status", "on_track"), ("status_rank", 2)),
                    models.Q(("status", "complete"), ("status_rank", 3)),
                    _connector="OR",
                ),
                name="figure_status_rank_valid",
            ),
        ),
    ]
