"""The groups part of the demo: one scheme, three groups, leaders, twenty trainees.

Called by `manage.py seed_demo`; idempotent.
"""

from dataclasses import dataclass
from datetime import time, timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from groups import services
from groups.models import AccessLogEntry, BalintGroup, Membership, Scheme, User

DEMO_PASSWORD = "balint-demo"  # noqa: S105 - printed for the demo, refused in production
# Organisers and staff sign in with a second factor: the demo ones have this
# authenticator key (add it to any authenticator app) and printed recovery codes.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 - demo only, as above
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


@dataclass
class DemoGroups:
    scheme: Scheme
    groups: list[BalintGroup]
    organiser: User
    leader: User
    trainee: User
    term_start: object


class GroupsDemo:
    _password = ""

    def _person(self, email: str, full_name: str, registration: str = "") -> User:
        person = User.objects.filter(email=email).first()
        if person is None:
            # One hash for every demo account: each costs about 0.3 s, and there are 30.
            self._password = self._password or make_password(DEMO_PASSWORD)
            person = User.objects.create(
                email=email.lower(),
                password=self._password,
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

    def seed(self) -> DemoGroups:
        today = timezone.localdate()
        term_start = today - timedelta(days=120)
        # The first group is older: its leaders and one trainee have a long history,
        # the demo trainee is part-way to the requirement.
        long_ago, mid_way = today - timedelta(days=300), today - timedelta(days=200)
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
            start = long_ago if group == groups[0] else term_start
            self._member(group, leader, Membership.Role.LEADER, Membership.Track.OTHER, start)
        self._member(
            groups[0], co_leader, Membership.Role.CO_LEADER, Membership.Track.OTHER, long_ago
        )

        trainee = self._person("trainee@example.com", "Dr Aoife Trainee", "IMC 500001")
        self._member(
            groups[0], trainee, Membership.Role.MEMBER, Membership.Track.PSYCHIATRY, mid_way
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
                start = long_ago if index in (0, 1) else term_start
                self._member(group, person, "member", Membership.Track.PSYCHIATRY, start)
        # Joining next week: "not started" on the organiser's overview, with the date.
        newcomer = self._person("meabh.nic@example.com", "Dr Méabh Nic Aodha", "IMC 520000")
        self._member(
            groups[1], newcomer, "member", Membership.Track.PSYCHIATRY, today + timedelta(days=7)
        )
        # Left the first group a month ago: keeps their own history (attendance, progress,
        # feedback), no longer sees its members or later sessions (membership-bounded).
        former = self._person("former@example.com", "Dr Cathal Former", "IMC 520001")
        self._member(
            groups[0],
            former,
            "member",
            Membership.Track.PSYCHIATRY,
            mid_way,
            today - timedelta(days=30),
        )
        return DemoGroups(
            scheme=scheme,
            groups=groups,
            organiser=organiser,
            leader=leaders[0],
            trainee=trainee,
            term_start=term_start,
        )


def seed_privacy(people: DemoGroups) -> None:
    """The privacy notice's controller and contact, and a few access-log entries."""
    scheme = people.scheme
    if not scheme.controller_name:
        scheme.controller_name = "Dublin Training Body (demo)"
        scheme.privacy_contact = "privacy@example.com"
        scheme.save(update_fields=["controller_name", "privacy_contact"])
    if scheme.access_log.exists():
        return
    now = timezone.now()
    for days_ago, action, description, subject in [
        (
            6,
            AccessLogEntry.Action.OVERVIEW_EXPORT,
            f"{scheme.name} overview (CSV)",
            None,
        ),
        (
            2,
            AccessLogEntry.Action.PROGRESS_VIEW,
            f"Progress of person #{people.trainee.pk}",
            people.trainee,
        ),
    ]:
        entry = services.access_log_record(
            actor=people.organiser,
            action=action,
            scheme=scheme,
            description=description,
            subject=subject,
        )
        # Backdated, so the log reads like a week of use.
        AccessLogEntry.objects.filter(pk=entry.pk).update(
            accessed_at=now - timedelta(days=days_ago)
        )


DEMO_ACCOUNTS = [
    ("organiser@example.com", "scheme organiser"),
    ("leader@example.com", "group leader"),
    ("trainee@example.com", "trainee"),
    ("former@example.com", "trainee who left a group a month ago"),
]


def seed() -> DemoGroups:
    return GroupsDemo().seed()


def _with_second_factor(person: User) -> list[str]:
    """An authenticator app with the demo key, and recovery codes; the unused codes."""
    if not Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(person, DEMO_TOTP_SECRET)
    recovery = Authenticator.objects.filter(
        user=person, type=Authenticator.Type.RECOVERY_CODES
    ).first()
    if recovery is None:
        recovery = RecoveryCodes.activate(person).instance
    return RecoveryCodes(recovery).get_unused_codes()


def seed_second_factors(people: DemoGroups) -> list[str]:
    """The demo administrator and organiser sign in with a second factor; returns the
    organiser's unused recovery codes, to print."""
    _with_second_factor(User.objects.get(email="admin@example.com"))
    return _with_second_factor(people.organiser)
