"""Reads for the organiser's page about one trainee: a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date

from attendance.models import Attendance, Certificate, Requirement
from attendance.progress import Progress, progress_for, recorded_q
from groups.models import Scheme, User

NEXT = 6  # upcoming sessions listed


@dataclass
class TraineeRecord:
    progress: Progress  # with their memberships, standing and current certificate
    # Their latest registers in the scheme, whatever the status, newest first.
    recent: list[Attendance] = field(default_factory=list)
    # Every certificate issued to them in the scheme, newest first.
    certificates: list[Certificate] = field(default_factory=list)

    @property
    def next_sessions(self) -> list[tuple[date, str]]:
        """Their next scheduled sessions, each with "leave" or "on call" when they cannot
        attend it (blank when they can)."""
        unavailable = self.progress.unavailable
        return [(day, unavailable.get(day, "")) for day in self.progress.upcoming_dates[:NEXT]]


def trainee_record(person: User, scheme: Scheme, *, latest: int) -> TraineeRecord:
    """What an organiser reads about one of their trainees. 5 queries."""
    progress = progress_for(person, scheme, latest=0)  # the counted list is not shown
    recent = list(
        Attendance.objects.filter(recorded_q(Requirement.for_scheme(scheme)), person=person)
        .select_related("session__group")
        .order_by("-session__starts_at")[:latest]
    )
    certificates = list(
        Certificate.objects.filter(trainee=person, scheme=scheme).order_by("-issued_at", "-pk")
    )
    progress.certificate = next(
        (c for c in certificates if c.revoked_at is None and c.superseded_at is None), None
    )
    return TraineeRecord(progress=progress, recent=recent, certificates=certificates)
