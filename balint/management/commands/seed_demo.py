"""Demo data so `make run` shows every feature alive. Idempotent; refused when DEBUG is off."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from attendance import demo as attendance_demo
from attendance import statement_demo
from attendance.assessments import demo as assessments_demo
from attendance.changeover import demo as changeover_demo
from attendance.figures import figures_rebuild
from feedback import demo as feedback_demo
from groups import demo as groups_demo
from groups.figures_hooks import figures_deferred
from sessions import demo as sessions_demo


class Command(BaseCommand):
    help = "Create a demo scheme: groups, people, sessions, a filled rota, leave and registers."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG=1: it creates known passwords.")
        # The figures are projected once, at the end: the demo saves about 70 registers.
        with transaction.atomic():
            with figures_deferred():
                people = groups_demo.seed()
                sessions_demo.seed(people)
                attendance_demo.seed(people)
                attendance_demo.seed_certificates(people)
                attendance_demo.seed_guests_and_combined(people)
                assessments_demo.seed(people)  # before the statement, which counts them
                statement_demo.seed_statements(people)
                changeover_demo.seed(people)
                feedback_demo.seed(people)
                groups_demo.seed_privacy(people)
                recovery_codes = groups_demo.seed_second_factors(people)
            figures_rebuild()  # the demo writes registers in bulk, past the services
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000 with:")
        )
        for email, role in groups_demo.DEMO_ACCOUNTS:
            self.stdout.write(f"  {email:<24} password {groups_demo.DEMO_PASSWORD}   ({role})")
        self.stdout.write(
            "The organiser also gives a second factor: a code from an authenticator app "
            f"with the key {groups_demo.DEMO_TOTP_SECRET}, or one of these recovery codes "
            f"(each works once): {' '.join(recovery_codes)}"
        )
