from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Attendance"

    def ready(self):
        from groups.versions import connect_signals

        # Cached figures and pages are stored under the data version (groups.versions).
        connect_signals()
