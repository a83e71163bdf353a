from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Attendance"

    def ready(self):
        # Imported here, not at the top: they load models, which Django allows only once
        # every app is registered, and apps.py is imported before that.
        from attendance.figures import fill_after_migrate, refresh_on_change
        from attendance.models import Requirement
        from groups.figures_hooks import on_figures_change

        Requirement.create_for_new_schemes()

        # The writes of groups and sessions keep the figures table (attendance.figures).
        on_figures_change(refresh_on_change)
        post_migrate.connect(fill_after_migrate, sender=self)
