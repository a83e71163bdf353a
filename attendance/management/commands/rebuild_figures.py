"""Recompute the figures table (attendance.models.TraineeFigure) of every scheme, or one.

Run once after the migration that creates the table, and after any bulk write that
went past the services; beat runs the same rebuild nightly (attendance.tasks).
"""

from django.core.management.base import BaseCommand

from attendance.tasks import rebuild_figures


class Command(BaseCommand):
    help = "Recompute every trainee's progress figures and report how many rows were corrected."

    def add_arguments(self, parser):
        parser.add_argument("--scheme", type=int, help="Only this scheme (its id).")

    def handle(self, *args, scheme=None, **options):
        corrected = rebuild_figures(scheme)  # the nightly task's body, run here
        self.stdout.write(f"{corrected} figure rows corrected.")
