"""seed_scale builds consistent data at a small size."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from attendance.models import Attendance
from groups.models import BalintGroup, Membership, Scheme
from sessions.models import OnCallShift, Session

SIZE = {"trainees": 40, "groups": 4, "years": 1, "shifts": 6}


@pytest.fixture
def seeded(db):
    call_command("seed_scale", **SIZE, stdout=io.StringIO())
    return Scheme.objects.get(name="National Scale Scheme")


def test_counts_add_up(seeded):
    assert BalintGroup.objects.filter(scheme=seeded).count() == SIZE["groups"]
    members = Membership.objects.filter(group__scheme=seeded, role="member")
    assert members.values("person").distinct().count() == SIZE["trainees"]
    assert Membership.objects.filter(group__scheme=seeded, role="leader").count() == SIZE["groups"]
    assert OnCallShift.objects.count() == SIZE["trainees"] * SIZE["shifts"]
    held = Session.objects.filter(group__scheme=seeded, status="held")
    # Every held session has a register: its leader plus every member of that day.
    for session in held.annotate(records=Count("attendance"))[:50]:
        expected = Membership.objects.current(session.slot_date).filter(group=session.group)
        assert session.records == expected.count()


def test_every_attendance_record_lies_within_a_membership(seeded):
    records = Attendance.objects.select_related("session")
    spans = {}
    for m in Membership.objects.all():
        spans.setdefault((m.person_id, m.group_id), []).append(m)
    for record in records:
        memberships = spans[(record.person_id, record.session.group_id)]
        assert any(m.covers(record.session.slot_date) for m in memberships), record


def test_only_held_sessions_have_registers_and_presenters_are_members(seeded):
    assert not Attendance.objects.exclude(session__status="held").exists()
    for session in Session.objects.filter(presenter__isnull=False)[:200]:
        assert (
            Membership.objects.current(session.slot_date)
            .filter(group=session.group, person=session.presenter_id, role="member")
            .exists()
        )


def test_refuses_to_seed_the_same_scheme_twice(seeded):
    with pytest.raises(CommandError, match="exists already"):
        call_command("seed_scale", **SIZE)
