"""Recompute the figures table (attendance.models.TraineeFigure) of every scheme, or one.

Run once after the migration that creates the table, and after any bulk write that
went past the services; beat runs the same rebuild nightly (attendance.tasks).
"""

from django.core.management.base import BaseCommand

from attendance.figures import figures_rebuild
from groups.models import Scheme


class Command(BaseCommand):
    help = "Recompute every trainee's progress figures and report how many rows were corrected."

    def add_arguments(self, parser):
        parser.add_argument("--scheme", type=int, help="Only this scheme (its id).")

    def handle(self, *args, scheme=None, **options):
        chosen = Scheme.objects.get(pk=scheme) if scheme is not None else None
        corrected = figures_rebuild(scheme=chosen)
        self.stdout.write(f"{corrected} figure rows corrected.")
