from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Attendance"

    def ready(self):
        from attendance.models import Attendance
        from groups.models import Membership, Scheme
        from groups.stats import invalidate_on_change
        from sessions.models import Session

        # The scheme overview caches figures built from these (attendance.selectors).
        invalidate_on_change(Attendance, Session, Membership, Scheme)
