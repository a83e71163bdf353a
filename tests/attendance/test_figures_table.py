"""The figures table (attendance.models.TraineeFigure) equals a recomputation from the
registers after every kind of change, and the nightly rebuild repairs what drifted."""

import io
import logging
from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction

from attendance import figures, services
from attendance.models import TraineeFigure
from attendance.progress import progress_for, scheme_overview
from attendance.tasks import rebuild_figures
from groups import services as group_services
from groups.figures_hooks import figures_changed, people_figures_changed
from groups.models import ERASED_NAME, Membership, Scheme, User
from sessions.schedule import services as session_services
from tests import factories
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.privacy import scene_with_two_people
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import NOW, TODAY, LeaveFactory, SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


def table(scheme) -> dict[int, dict]:
    return {
        row.person_id: {name: getattr(row, name) for name in figures.VALUE_FIELDS}
        for row in TraineeFigure.objects.filter(scheme=scheme)
    }


def assert_agrees(scheme) -> dict[int, dict]:
    """The table is what a fresh recomputation gives, and what progress_for says."""
    scheme.refresh_from_db()
    stored = table(scheme)
    assert stored == {pk: f.values() for pk, f in figures.compute(scheme).items()}
    for person_id, row in stored.items():
        progress = progress_for(User.objects.get(pk=person_id), scheme)
        assert (row["counted"], row["recorded"]) == (progress.count, progress.recorded)
        assert row["upcoming"] == len(progress.upcoming_dates)
        assert (row["status"], row["status_reason"]) == (progress.status, progress.status_reason)
    return stored


@pytest.fixture
def scene(scheme, group, leader, trainee):
    """A trainee with two of three held sessions attended, two sessions to come."""
    attend(trainee, held_sessions(group, past_wednesdays(3)), ["present", "absent", "late"])
    upcoming = [SessionFactory(group=group, slot_date=day) for day in wednesdays(2)]
    return scheme, group, leader, trainee, upcoming


def test_the_factories_keep_the_table(scene):
    scheme, _, _, trainee, _ = scene
    row = assert_agrees(scheme)[trainee.pk]
    assert (row["counted"], row["recorded"], row["upcoming"]) == (2, 3, 2)


def test_a_register_saved_and_edited(scene):
    scheme, group, leader, trainee, _ = scene
    session = SessionFactory(group=group, slot_date=TODAY)  # at 09:00, an hour ago
    entry = services.Entry(person_id=trainee.pk, was="", status="present")

    services.register_save(actor=leader, session=session, entries=[entry])
    assert assert_agrees(scheme)[trainee.pk]["counted"] == 3

    edit = services.Entry(person_id=trainee.pk, was="present", status="absent")
    services.register_save(actor=leader, session=session, entries=[edit])
    row = assert_agrees(scheme)[trainee.pk]
    assert (row["counted"], row["recorded"]) == (2, 4)
    assert row["rate_key"] == 0.5


def test_a_membership_started_and_ended(scene, organiser, other_group):
    scheme = scene[0]
    SessionFactory(group=other_group, slot_date=wednesdays(1)[0])
    newcomer = factories.UserFactory(full_name="Zoë Newcomer")

    membership = group_services.membership_add(
        actor=organiser, group=other_group, person=newcomer, start_date=TODAY
    )
    row = assert_agrees(scheme)[newcomer.pk]
    assert (row["upcoming"], row["open_ended"], row["name_key"]) == (1, True, "zoë newcomer")

    group_services.membership_end(actor=organiser, membership=membership, end_date=TODAY)
    row = assert_agrees(scheme)[newcomer.pk]
    assert (row["upcoming"], row["open_ended"]) == (0, False)


def test_someone_no_longer_a_trainee_leaves_the_table(scene):
    scheme, _, _, trainee, _ = scene
    trainee.memberships.all().delete()  # as the admin would, then says so
    figures_changed(scheme.pk, [trainee.pk])

    assert trainee.pk not in assert_agrees(scheme)


def test_sessions_added_moved_and_cancelled(scene):
    scheme, group, leader, trainee, upcoming = scene

    session_services.session_add(actor=leader, group=group, day=wednesdays(3)[2])
    assert assert_agrees(scheme)[trainee.pk]["upcoming"] == 3

    session_services.session_cancel(actor=leader, session=upcoming[0], reason="Strike")
    assert assert_agrees(scheme)[trainee.pk]["upcoming"] == 2

    # Moved to earlier today: it has started, so it is no longer to come.
    later = {"starts_at": NOW + timedelta(hours=2), "ends_at": NOW + timedelta(hours=3)}
    today = SessionFactory(group=group, slot_date=TODAY, **later)
    assert assert_agrees(scheme)[trainee.pk]["upcoming"] == 3
    session_services.session_move(actor=leader, session=today, day=TODAY, start_time=time(8))
    assert assert_agrees(scheme)[trainee.pk]["upcoming"] == 2


def test_a_term_generated(scene):
    scheme, group, leader, trainee, _ = scene
    session_services.term_generate(
        actor=leader, group=group, start=date(2026, 4, 6), end=date(2026, 5, 31)
    )
    assert assert_agrees(scheme)[trainee.pk]["upcoming"] > 2


def test_leave_and_clashes_refresh_the_people_in_each_of_their_schemes(scene):
    scheme, _, _, trainee, upcoming = scene
    Membership.objects.filter(person=trainee).update(end_date=upcoming[1].slot_date)
    figures_changed(scheme.pk, [trainee.pk])
    elsewhere = factories.MembershipFactory(person=trainee, group=factories.GroupFactory())
    LeaveFactory(person=trainee, start_date=upcoming[0].slot_date)
    ClashFactory(session=upcoming[1], person=trainee)
    assert "leave" not in table(scheme)[trainee.pk]["status_reason"]  # not yet told

    people_figures_changed([trainee.pk, factories.UserFactory().pk])

    row = assert_agrees(scheme)[trainee.pk]
    assert (row["status"], row["upcoming"]) == ("at_risk", 2)
    assert row["status_reason"].endswith("(2 sessions on leave or on call left out)")
    assert assert_agrees(elsewhere.group.scheme)[trainee.pk]["status"] == "not_started"


def test_a_changed_rule_refreshes_the_whole_scheme(scene):
    scheme, _, _, trainee, _ = scene
    assert table(scheme)[trainee.pk]["status"] != "complete"

    scheme.requirement.sessions_required = 2
    scheme.requirement.save()
    figures_changed(scheme.pk)  # a changed rule: the whole scheme
    assert assert_agrees(scheme)[trainee.pk]["status"] == "complete"

    scheme.requirement.counted_statuses = ["present"]
    scheme.requirement.save()
    figures_changed(scheme.pk)
    row = assert_agrees(scheme)[trainee.pk]
    assert (row["counted"], row["status"]) == (1, "on_track")  # 1 + 2 to come


def test_erasure_keeps_the_figures_and_drops_the_name(db):
    scene = scene_with_two_people()
    before = assert_agrees(scene.scheme)[scene.zeb.pk]
    assert scene.zeb.full_name.casefold() == before["name_key"]

    group_services.person_erase(actor=scene.organiser, person=scene.zeb, scheme=scene.scheme)

    after = assert_agrees(scene.scheme)[scene.zeb.pk]
    assert after["name_key"] == ERASED_NAME.casefold()
    assert {**after, "name_key": ""} == {**before, "name_key": ""}


def test_the_overview_reads_the_table(scene, other_group):
    scheme, group, _, trainee, _ = scene
    TraineeFigure.objects.filter(person=trainee).update(counted=0, rate_key=0)

    (row,) = scheme_overview(scheme)
    assert (row.pk, row.counted, row.recorded, row.rate) == (trainee.pk, 0, 3, 0)
    assert [r.pk for r in scheme_overview(scheme, group=group)] == [trainee.pk]
    assert list(scheme_overview(scheme, group=other_group)) == []
    assert list(scheme_overview(scheme, track="general_practice")) == []
    assert list(scheme_overview(scheme, status="complete")) == []


def test_the_database_refuses_impossible_figures(scene):
    scheme, _, _, trainee, _ = scene
    for bad in ({"counted": 9}, {"rate_key": 2.0}, {"status": "complete"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            TraineeFigure.objects.filter(person=trainee).update(**bad)
    with pytest.raises(IntegrityError), transaction.atomic():
        TraineeFigure.objects.create(
            scheme=scheme, person=trainee, name_key="x", last_key=NOW, refreshed_at=NOW
        )


# --- The nightly rebuild -----------------------------------------------------------------


def test_the_nightly_rebuild_repairs_a_corrupted_table(scene, caplog):
    scheme, group, _, trainee, _ = scene
    other = factories.MembershipFactory(group=group).person
    stranger = factories.UserFactory()
    TraineeFigure.objects.filter(person=trainee).update(counted=0)  # a wrong count
    TraineeFigure.objects.filter(person=other).delete()  # a missing row
    TraineeFigure.objects.create(  # a row of someone who is no trainee
        scheme=scheme, person=stranger, name_key="x", last_key=NOW, refreshed_at=NOW
    )

    with caplog.at_level(logging.INFO):
        assert rebuild_figures() == 3
    assert "3 rows corrected" in caplog.text
    assert set(assert_agrees(scheme)) == {trainee.pk, other.pk}
    assert rebuild_figures(scheme.pk) == 0  # nothing left to repair


def test_the_nightly_rebuild_follows_the_clock(scene):
    scheme, _, _, trainee, _ = scene
    assert table(scheme)[trainee.pk]["upcoming"] == 2

    with time_machine.travel(NOW + timedelta(days=3), tick=False):  # one session passed
        assert rebuild_figures() == 1
        assert assert_agrees(scheme)[trainee.pk]["upcoming"] == 1


def test_a_trainee_of_two_schemes_shows_each_schemes_figures_once(scene):
    scheme, _, _, trainee, _ = scene
    elsewhere = factories.GroupFactory()
    factories.MembershipFactory(group=elsewhere, person=trainee)
    attend(trainee, held_sessions(elsewhere, past_wednesdays(4)), ["absent"] * 3 + ["present"])

    for sort in ("name", "count", "status"):
        for filtered in (False, True):  # on track here, at risk (1 of 4 attended) there
            here = list(scheme_overview(scheme, sort=sort, status="on_track" * filtered))
            there = list(scheme_overview(elsewhere.scheme, sort=sort, status="at_risk" * filtered))
            assert [(r.pk, r.counted, r.recorded) for r in here] == [(trainee.pk, 2, 3)]
            assert [(r.pk, r.counted, r.recorded) for r in there] == [(trainee.pk, 1, 4)]
    # A status held in the other scheme does not match here.
    assert list(scheme_overview(scheme, status="at_risk")) == []
    assert list(scheme_overview(elsewhere.scheme, status="on_track")) == []


def test_the_command_rebuilds_and_reports(scene):
    scheme, _, _, trainee, _ = scene
    TraineeFigure.objects.filter(person=trainee).delete()
    out = io.StringIO()

    call_command("rebuild_figures", scheme=scheme.pk, stdout=out)

    assert out.getvalue() == "1 figure rows corrected.\n"
    assert trainee.pk in assert_agrees(scheme)


@pytest.mark.parametrize("command", ["seed_demo", "seed_scale"])
def test_the_seed_commands_end_with_the_table_built(db, settings, command):
    """Both write in bulk, past the services."""
    settings.DEBUG = True
    options = (
        {"trainees": 8, "groups": 2, "years": 1, "shifts": 1} if command == "seed_scale" else {}
    )
    call_command(command, stdout=io.StringIO(), **options)

    for scheme in Scheme.objects.all():
        assert assert_agrees(scheme)


def test_migrate_fills_an_empty_table(db, trainee, scheme):
    from django.core.management import call_command

    from attendance.models import TraineeFigure

    TraineeFigure.objects.all().delete()

    call_command("migrate", verbosity=0)

    assert TraineeFigure.objects.filter(scheme=scheme, person=trainee).exists()
