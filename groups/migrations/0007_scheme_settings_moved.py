"""Clash and reminder settings moved to sessions.SchemeSettings, the requirement to
attendance.Requirement (their migrations copy the values first)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('groups', '0006_user_name_order'),
        # The settings are copied to their apps' tables before they go from here.
        ('balint_sessions', '0005_scheme_settings'),
        ('attendance', '0004_requirement'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='scheme',
            name='scheme_requires_a_session',
        ),
        migrations.RemoveConstraint(
            model_name='scheme',
            name='scheme_travel_margin_sensible',
        ),
        migrations.RemoveConstraint(
            model_name='scheme',
            name='scheme_reminder_days_sensible',
        ),
        migrations.RemoveConstraint(
            model_name='scheme',
            name='scheme_reminder_hours_valid',
        ),
        migrations.RemoveField(
            model_name='scheme',
            name='counted_statuses',
        ),
        migrations.RemoveField(
            model_name='scheme',
            name='member_reminder_days',
        ),
        migrations.RemoveField(
            model_name='scheme',
            name='presenter_first_reminder_days',
        ),
        migrations.RemoveField(
            model_name='scheme',
            name='presenter_last_reminder_days',
        ),
        migrations.RemoveField(
            model_name='scheme',
            name='register_reminder_hour',
        ),
        migrations.RemoveField(
            model_name='scheme',
            name='reminder_hour',
        ),
        migrations.RemoveField(
            model_name='scheme',
            name='sessions_required',
        ),
        migrations.RemoveField(
            model_name='scheme',
            name='travel_margin_minutes',
        ),
    ]
