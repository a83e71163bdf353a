"""Demo data so `make run` shows the product alive. Idempotent; refused when DEBUG is off."""

from datetime import time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from groups import services
from groups.models import BalintGroup, Membership, Scheme, User

DEMO_PASSWORD = "balint-demo"  # noqa: S105 - printed for the demo, refused in production
SCHEME_NAME = "Dublin Basic Specialist Training"

GROUPS = [
    # name, weekday, start, frequency, location
    ("Wednesday Morning", BalintGroup.Weekday.WEDNESDAY, time(9, 0), "weekly", "Seminar Room 2"),
    ("Thursday Lunchtime", BalintGroup.Weekday.THURSDAY, time(13, 0), "weekly", "Library"),
    ("Fortnightly GP", BalintGroup.Weekday.TUESDAY, time(14, 0), "fortnightly", "Online"),
]

TRAINEES = [
    "Aoife Byrne",
    "Cian Murphy",
    "Niamh Kelly",
    "Darragh O'Brien",
    "Saoirse Walsh",
    "Eoin Ryan",
    "Ciara O'Sullivan",
    "Oisín McCarthy",
    "Róisín Doyle",
    "Fionn Kennedy",
    "Aisling Lynch",
    "Tadhg Murray",
    "Clodagh Quinn",
    "Ruairí Moore",
    "Grainne Brennan",
    "Colm Fitzgerald",
    "Sinéad Nolan",
    "Pádraig Daly",
    "Orla Power",
    "Liam Gallagher",
]


class Command(BaseCommand):
    help = "Create a demo scheme with three groups, leaders and twenty trainees."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG=1: it creates known passwords.")
        with transaction.atomic():
            self._seed()
        self.stdout.write(
            self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000 with:")
        )
        for email, role in [
            ("organiser@example.com", "scheme organiser"),
            ("leader@example.com", "group leader"),
            ("trainee@example.com", "trainee"),
        ]:
            self.stdout.write(f"  {email:<24} password {DEMO_PASSWORD}   ({role})")

    def _person(self, email: str, full_name: str, registration: str = "") -> User:
        person = User.objects.filter(email=email).first()
        if person is None:
            person = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                full_name=full_name,
                registration_number=registration,
            )
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(
            user=person, email=email, defaults={"verified": True, "primary": True}
        )
        return person

    def _member(self, group, person, role, track, start, end=None) -> None:
        if not Membership.objects.filter(group=group, person=person).exists():
            services.membership_add(
                actor=None,
                group=group,
                person=person,
                role=role,
                track=track,
                start_date=start,
                end_date=end,
            )

    def _seed(self) -> None:
        today = timezone.localdate()
        term_start = today - timedelta(days=120)
        scheme, _ = Scheme.objects.get_or_create(
            name=SCHEME_NAME, defaults={"time_zone": "Europe/Dublin", "holiday_country": "IE"}
        )
        organiser = self._person("organiser@example.com", "Dr Maeve Organiser")
        services.organiser_add(scheme=scheme, person=organiser)
        staff = self._person("admin@example.com", "Site Administrator")
        if not staff.is_staff:
            staff.is_staff = staff.is_superuser = True
            staff.save(update_fields=["is_staff", "is_superuser"])

        groups = []
        for name, weekday, start, frequency, location in GROUPS:
            group, _ = BalintGroup.objects.get_or_create(
                scheme=scheme,
                name=name,
                defaults={
                    "meeting_weekday": weekday,
                    "start_time": start,
                    "frequency": frequency,
                    "location": location,
                },
            )
            groups.append(group)

        leaders = [
            self._person("leader@example.com", "Dr Brendan Leader", "IMC 401234"),
            self._person("leader2@example.com", "Dr Úna Second", "IMC 402345"),
            self._person("leader3@example.com", "Dr Kevin Third", "IMC 403456"),
        ]
        co_leader = self._person("coleader@example.com", "Dr Helen Colead", "IMC 404567")
        for group, leader in zip(groups, leaders, strict=True):
            self._member(group, leader, Membership.Role.LEADER, Membership.Track.OTHER, term_start)
        self._member(
            groups[0], co_leader, Membership.Role.CO_LEADER, Membership.Track.OTHER, term_start
        )

        trainee = self._person("trainee@example.com", "Dr Aoife Trainee", "IMC 500001")
        self._member(
            groups[0], trainee, Membership.Role.MEMBER, Membership.Track.PSYCHIATRY, term_start
        )
        # Seven trainees each in the first two groups; six GP trainees on four-month
        # rotations in the fortnightly group, one of them about to leave.
        for index, name in enumerate(TRAINEES):
            slug = name.lower().replace("'", "").replace(" ", ".")
            slug = slug.encode("ascii", "ignore").decode()
            person = self._person(f"{slug}@example.com", f"Dr {name}", f"IMC {510000 + index}")
            group = groups[min(index // 7, 2)]
            if group.frequency == BalintGroup.Frequency.FORTNIGHTLY:
                end = today + timedelta(days=7 if index == 19 else 60)
                self._member(
                    group,
                    person,
                    "member",
                    Membership.Track.GENERAL_PRACTICE,
                    end - timedelta(days=120),
                    end,
                )
            else:
                self._member(group, person, "member", Membership.Track.PSYCHIATRY, term_start)
