"""National-size data for measuring the app: bulk inserts, not one save per row.

    python manage.py seed_scale                      # 5,000 trainees, 500 groups, 10 years
    python manage.py seed_scale --trainees 200 --groups 20 --years 1   # a quick one

Every group has a leader and a fixed number of member places; trainees fill the
places one after another, so every attendance record lies inside a membership.
Past sessions are held with a full register; the next twelve weeks are scheduled
with presenters. Sign-ins for benchmarking (password `balint-scale`):
scale-organiser@example.org, scale-leader-0@example.org, scale-trainee-0@example.org.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from attendance.figures import figures_rebuild
from attendance.models import Attendance
from groups.models import BalintGroup, Membership, Scheme, SchemeOrganiser, User
from sessions.models import Session

PASSWORD = "balint-scale"  # noqa: S105 - printed for benchmarking accounts only
PLACES_PER_GROUP = 8
BATCH = 5000
# Most people come; a few are late, send apologies or miss a session.
STATUSES = ["present"] * 16 + ["late", "apologies", "absent"]


class Command(BaseCommand):
    help = "Generate national-size data (bulk inserts) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--trainees", type=int, default=5000)
        parser.add_argument("--groups", type=int, default=500)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument(
            "--shifts", type=int, default=52, help="On-call shifts per trainee over a year."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--scheme", default="National Scale Scheme")
        parser.add_argument("--prefix", default="scale", help="Start of every seeded email.")

    def handle(self, *args, trainees, groups, years, shifts, seed, scheme, prefix, **options):
        if trainees < groups:
            raise CommandError("Use at least as many trainees as groups.")
        if Scheme.objects.filter(name=scheme).exists():
            raise CommandError(f"A scheme called {scheme!r} exists already; pass --scheme.")
        self.random = random.Random(seed)
        self.today = timezone.localdate()
        self.prefix = prefix
        with transaction.atomic():
            counts = self.seed(scheme, trainees, groups, years, shifts)
            # Bulk inserts go past the services: the figures table is built once, here.
            counts["figures"] = figures_rebuild(scheme=Scheme.objects.get(name=scheme))
        with connection.cursor() as cursor:
            # Fresh planner statistics: on stale ones PostgreSQL scans whole tables.
            cursor.execute("ANALYZE")
        for name, count in counts.items():
            self.stdout.write(f"{name:>12}: {count:,}")
        self.stdout.write(self.style.SUCCESS(f"Done. Sign-ins use the password {PASSWORD}."))

    # --- People and groups -----------------------------------------------------------

    def people(self, kind: str, count: int, password: str) -> list[User]:
        from allauth.account.models import EmailAddress

        users = User.objects.bulk_create(
            (
                User(
                    email=f"{self.prefix}-{kind}-{i}@example.org",
                    full_name=f"Dr {kind.title()} {i:05d}",
                    registration_number=f"IMC {kind[0].upper()}{i:06d}",
                    password=password,
                )
                for i in range(count)
            ),
            batch_size=BATCH,
        )
        EmailAddress.objects.bulk_create(
            (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users),
            batch_size=BATCH,
        )
        return users

    def seed(self, name, trainee_count, group_count, years, shifts_per_trainee) -> dict:
        usable = make_password(PASSWORD)
        scheme = Scheme.objects.create(name=name)
        (organiser,) = self.people("organiser", 1, usable)
        organiser.email = f"{self.prefix}-organiser@example.org"
        organiser.save(update_fields=["email"])
        organiser.emailaddress_set.update(email=organiser.email)
        SchemeOrganiser.objects.create(scheme=scheme, person=organiser)
        TOTP.activate(organiser, generate_totp_secret())  # organisers must have one
        leaders = self.people("leader", group_count, usable)
        trainees = self.people("trainee", trainee_count, usable)

        groups = BalintGroup.objects.bulk_create(
            BalintGroup(
                scheme=scheme,
                name=f"Group {i:04d}",
                meeting_weekday=i % 5,
                start_time=time(9 + i % 8),
                location=f"Room {i % 40}",
            )
            for i in range(group_count)
        )
        first_day = self.today - timedelta(days=365 * years)
        last_day = self.today + timedelta(weeks=12)
        memberships = [
            Membership(
                person=leader, group=group, role="leader", track="other", start_date=first_day
            )
            for leader, group in zip(leaders, groups, strict=True)
        ]
        # Trainees take the groups' places in turn; each place is held by successive
        # trainees for equal spans that tile the whole period.
        per_group = [trainees[g::group_count] for g in range(group_count)]
        places: dict[int, list[tuple[int, date, date | None]]] = {}
        span_days = (last_day - first_day).days + 1
        for group, members in zip(groups, per_group, strict=True):
            places[group.pk] = []
            for place in range(PLACES_PER_GROUP):
                holders = members[place::PLACES_PER_GROUP]
                if not holders:
                    continue
                step = span_days // len(holders)
                for n, person in enumerate(holders):
                    start = first_day + timedelta(days=n * step)
                    end = None if n == len(holders) - 1 else start + timedelta(days=step - 1)
                    track = "general_practice" if person.pk % 3 == 0 else "psychiatry"
                    memberships.append(
                        Membership(
                            person=person,
                            group=group,
                            track=track,
                            start_date=start,
                            end_date=end,
                        )
                    )
                    places[group.pk].append((person.pk, start, end))
        Membership.objects.bulk_create(memberships, batch_size=BATCH)

        session_count = attendance_count = 0
        leader_of = {g.pk: leader.pk for g, leader in zip(groups, leaders, strict=True)}
        now = timezone.now()
        for group in groups:
            sessions = self.sessions_for(group, first_day, last_day, places[group.pk], now)
            Session.objects.bulk_create(sessions, batch_size=BATCH)
            session_count += len(sessions)
            records = self.registers(sessions, places[group.pk], leader_of[group.pk])
            Attendance.objects.bulk_create(records, batch_size=BATCH)
            attendance_count += len(records)

        shift_count = self.shifts(scheme, trainees, shifts_per_trainee)
        return {
            "people": 1 + len(leaders) + len(trainees),
            "groups": len(groups),
            "memberships": len(memberships),
            "sessions": session_count,
            "attendance": attendance_count,
            "shifts": shift_count,
        }

    # --- Sessions and registers ----------------------------------------------------------

    def sessions_for(self, group, first_day, last_day, places, now) -> list[Session]:
        day = first_day + timedelta(days=(group.meeting_weekday - first_day.weekday()) % 7)
        sessions = []
        while day <= last_day:
            starts_at = datetime.combine(day, group.start_time, tzinfo=UTC)
            session = Session(
                group=group,
                slot_date=day,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=1),
            )
            members = [pk for pk, start, end in places if start <= day and (not end or day <= end)]
            if self.random.random() < 0.03:
                session.status, session.cancel_reason = "cancelled", "Leader away"
            elif starts_at < now:
                session.status = "held"
            if members and session.status != "cancelled":
                session.presenter_id = members[len(sessions) % len(members)]
            session.members = members
            sessions.append(session)
            day += timedelta(weeks=1)
        return sessions

    def registers(self, sessions, places, leader_id) -> list[Attendance]:
        records = []
        for session in sessions:
            if session.status != "held":
                continue
            records.append(
                Attendance(
                    session=session,
                    person_id=leader_id,
                    role="leader",
                    status="present",
                    updated_by_id=leader_id,
                )
            )
            records.extend(
                Attendance(
                    session=session,
                    person_id=person_id,
                    status=self.random.choice(STATUSES),
                    updated_by_id=leader_id,
                )
                for person_id in session.members
            )
        return records

    # --- On-call shifts --------------------------------------------------------------------

    def shifts(self, scheme, trainees, per_trainee: int) -> int:
        """A year of on-call shifts per trainee, from one scheme-wide roster upload."""
        from sessions.models import OnCallShift, RosterSource

        source = RosterSource.objects.create(
            scheme=scheme, kind=RosterSource.Kind.ORGANISER_UPLOAD, name="seed_scale roster"
        )
        # Half a year back and half ahead, so the clash scan has upcoming sessions to check.
        first = datetime.combine(self.today - timedelta(days=182), time(8), tzinfo=UTC)
        step = timedelta(days=365) / max(per_trainee, 1)

        def shifts_of(person):
            for n in range(per_trainee):
                start = first + n * step + timedelta(hours=self.random.randrange(0, 72))
                yield OnCallShift(
                    source=source,
                    person=person,
                    starts_at=start,
                    ends_at=start + timedelta(hours=13),
                )

        shifts = (shift for person in trainees for shift in shifts_of(person))
        return len(OnCallShift.objects.bulk_create(shifts, batch_size=BATCH))
