"""The changeover part of the demo: the scheme's rotation dates (general practice every four
months, psychiatry every six) and the next GP changeover, in two months: five GP trainees
of the fortnightly group leave (their four months end the day before) and a new GP
trainee is added from that day. Not applied: the organiser previews and applies it.

Called by `manage.py seed_demo`; idempotent.
"""

from datetime import timedelta

from django.utils import timezone

from attendance.changeover.services import months_later
from attendance.models import RotationDate
from groups import services as group_services
from groups.models import Membership, User

GP_DATES = 3
PSYCHIATRY_DATES = 2
JOINER = ("conall.newgp@example.com", "Dr Conall Nuinseann", "IMC 520002")


def seed(people) -> None:
    today = timezone.localdate()
    gp = people.groups[2]  # the fortnightly GP group: its trainees' four months end in 60 days
    gp_day = today + timedelta(days=61)
    for track, first, months, count in (
        (Membership.Track.GENERAL_PRACTICE, gp_day, 4, GP_DATES),
        (Membership.Track.PSYCHIATRY, months_later(gp_day, 1), 6, PSYCHIATRY_DATES),
    ):
        for n in range(count):
            RotationDate.objects.get_or_create(
                scheme=people.scheme, track=track, day=months_later(first, months * n)
            )
    email, name, registration = JOINER
    joiner = User.objects.filter(email=email).first()
    if joiner is None:
        joiner = User.objects.create_user(
            email=email, password=None, full_name=name, registration_number=registration
        )
    if not Membership.objects.filter(person=joiner, group=gp).exists():
        group_services.membership_add(
            actor=None,
            group=gp,
            person=joiner,
            track=Membership.Track.GENERAL_PRACTICE,
            start_date=gp_day,
            end_date=months_later(gp_day, 4) - timedelta(days=1),
        )
