from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AttendanceConfig(AppConfig):
    name = "attendance"
    verbose_name = "Attendance"

    def ready(self):
        from attendance.figures import refresh_on_change
        from groups.figures_hooks import on_figures_change

        # The writes of groups and sessions keep the figures table (attendance.figures).
        on_figures_change(refresh_on_change)
        post_migrate.connect(_fill_figures, sender=self)


def _fill_figures(sender, using="default", **kwargs) -> None:
    """The first migrate after the figures table appeared fills it; later ones find it
    filled (or nobody to count) and do nothing. The nightly rebuild repairs the rest."""
    from attendance.figures import figures_rebuild
    from attendance.models import TraineeFigure
    from groups.models import Membership

    if using != "default" or TraineeFigure.objects.exists():
        return
    if Membership.objects.filter(role=Membership.Role.MEMBER).exists():
        figures_rebuild()
