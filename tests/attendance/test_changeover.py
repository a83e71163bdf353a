"""The rotation changeover (issue 19): its plan (changeover_preview) and applying it
(changeover_apply), against the database. The cohort's CSV: test_changeover_csv.py; the
page: test_view_changeover.py."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from attendance.changeover import notices, services
from attendance.changeover.plan import Joiner
from attendance.changeover.selectors import changeover_preview
from attendance.models import RotationDate, TraineeFigure
from attendance.progress import progress_for
from balint.models import OutboundEmail
from groups import services as group_services
from groups.models import Invitation, Membership
from groups.permissions import groups_visible_to
from sessions import services as session_services
from sessions.models import Session
from tests import factories
from tests.attendance.changeover import DAY, EVE, GP, PSYCHIATRY, REQUIRED, build, places
from tests.factories.sessions import DUBLIN, SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def world(scheme):
    return build(scheme)


def apply(world, organiser, joiners=(), **kwargs):
    return services.changeover_apply(
        actor=organiser, scheme=world.scheme, day=DAY, joiners=list(joiners), **kwargs
    )


def summary(plan):
    """What a plan does and shows, comparable before and after it is applied."""
    return {
        "leavers": [(r.membership.pk, r.counted, r.short, r.continues) for r in plan.leavers],
        "joiners": sorted((r.key, r.group.pk, r.track, r.end_date) for r in plan.joiners),
        "sizes": [(s.group.pk, s.before, s.leaving, s.joining, s.after) for s in plan.sizes],
    }


# --- The plan -----------------------------------------------------------------------------


def test_the_members_of_the_rotating_track_leave_with_their_counts(world):
    plan = changeover_preview(world.scheme, DAY)

    assert plan.tracks == ["General practice"]
    assert [(r.membership.person, r.counted, r.short) for r in plan.leavers] == sorted(
        [(world.gp1, 2, True), (world.gp2, 0, True)], key=lambda r: r[0].full_name
    )
    assert [r.membership.end_date for r in plan.to_end] == [None, None]
    [size] = plan.sizes
    assert (size.group, size.before, size.leaving, size.after) == (world.a, 3, 2, 1)
    assert size.warning == "Below the minimum of 2."


def test_leaders_and_other_tracks_do_not_leave(world):
    factories.LeaderFactory(group=world.a, track=GP)

    plan = changeover_preview(world.scheme, DAY)

    assert {r.membership.person for r in plan.leavers} == {world.gp1, world.gp2}


def test_sessions_before_the_changeover_count_toward_reaching_the_requirement(world):
    SessionFactory(group=world.a, slot_date=date(2026, 3, 25))
    SessionFactory(group=world.a, slot_date=DAY)  # after they leave: not theirs

    leavers = {r.membership.person: r for r in changeover_preview(world.scheme, DAY).leavers}

    assert (leavers[world.gp1].to_come, leavers[world.gp1].short) == (1, False)  # 2 + 1 = 3
    assert (leavers[world.gp2].to_come, leavers[world.gp2].short) == (1, True)


def test_no_rotation_date_that_day_no_leavers(world):
    plan = changeover_preview(world.scheme, date(2026, 4, 8))
    assert (plan.tracks, plan.leavers, plan.sizes) == ([], [], [])


def test_a_leaver_the_organiser_keeps_does_not_leave(world):
    keep = Membership.objects.get(person=world.gp2)

    plan = changeover_preview(world.scheme, DAY, kept={keep.pk})

    assert [r.membership.person for r in plan.to_end] == [world.gp1]
    assert plan.sizes[0].after == 2


def test_joiners_end_the_day_before_their_tracks_next_rotation(world):
    RotationDate.objects.create(scheme=world.scheme, track=GP, day=date(2026, 8, 5))
    plan = changeover_preview(
        world.scheme,
        DAY,
        [
            Joiner(group=world.b, track=GP, person=world.returning),
            Joiner(group=world.b, track=PSYCHIATRY, email="new@example.org", full_name="N"),
        ],
    )

    ends = {r.email: (r.how, r.end_date) for r in plan.joiners}
    assert ends == {
        world.returning.email: ("member", date(2026, 8, 4)),
        "new@example.org": ("invitation", None),
    }


@pytest.mark.parametrize(
    ("joiner", "problem"),
    [
        (lambda w: Joiner(group=w.b, track=PSYCHIATRY, person=w.b_member), "already in"),
        (lambda w: Joiner(group=w.b, track="", person=w.returning), "track"),
        (
            lambda w: Joiner(group=w.b, track=GP, person=factories.UserFactory()),
            "is not in",
        ),
        (
            lambda w: Joiner(group=factories.GroupFactory(), track=GP, person=w.returning),
            "another scheme",
        ),
    ],
)
def test_a_joiner_who_cannot_join_is_a_problem(world, joiner, problem):
    plan = changeover_preview(world.scheme, DAY, [joiner(world)])
    assert len(plan.problems) == 1
    assert problem in plan.problems[0]


def test_a_leaver_may_rejoin_another_group_and_the_same_person_not_twice(world):
    twice = [
        Joiner(group=world.b, track=GP, person=world.gp1),
        Joiner(group=world.b, track=GP, email=world.gp1.email.upper(), full_name="x", line=2),
    ]

    plan = changeover_preview(world.scheme, DAY, twice)

    assert plan.problems == [f"Line 2: {world.gp1.full_name} is on the list twice."]


# --- Applying it --------------------------------------------------------------------------


def test_preview_equals_result(world, organiser):
    joiners = [
        Joiner(group=world.b, track=GP, person=world.gp1),  # moves from A to B
        Joiner(group=world.a, track=PSYCHIATRY, person=world.returning),
        Joiner(group=world.a, track=GP, email="new@example.org", full_name="Dr New"),
    ]
    before = changeover_preview(world.scheme, DAY, joiners)
    assert before.problems == [] and before.changes

    applied = apply(world, organiser, joiners, digest=before.digest)

    after = changeover_preview(world.scheme, DAY)  # the same day, nothing more asked
    assert summary(applied) == summary(before)
    assert summary(after) == summary(before)
    assert all(r.ends_already for r in after.leavers)
    assert (after.to_end, after.to_add, after.to_invite) == ([], [], [])
    ended = Membership.objects.filter(group__scheme=world.scheme, end_date=EVE)
    assert {m.person for m in ended} == {world.gp1, world.gp2}
    joined = Membership.objects.filter(group__scheme=world.scheme, start_date=DAY)
    assert {(m.person, m.group) for m in joined} == {
        (world.gp1, world.b),
        (world.returning, world.a),
    }
    assert Invitation.objects.get().group == world.a


def test_all_or_nothing_when_the_last_joiner_is_invalid(world, organiser):
    before = places(world.scheme)
    joiners = [
        Joiner(group=world.b, track=GP, person=world.gp1),
        Joiner(group=world.a, track=GP, email="new@example.org", full_name="Dr New"),
        Joiner(group=world.b, track=PSYCHIATRY, person=world.b_member),  # in B already
    ]

    with pytest.raises(ValidationError, match="already in"):
        apply(world, organiser, joiners)

    assert places(world.scheme) == before
    assert not Invitation.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_all_or_nothing_when_a_write_fails_halfway(world, organiser, monkeypatch):
    before = places(world.scheme)
    real_add = group_services.membership_add

    def add_then_fail(**kwargs):
        if kwargs["person"] == world.returning:
            raise ValidationError("The database said no.")
        return real_add(**kwargs)

    monkeypatch.setattr(group_services, "membership_add", add_then_fail)
    joiners = [
        Joiner(group=world.b, track=GP, person=world.gp1),
        Joiner(group=world.a, track=PSYCHIATRY, person=world.returning),
    ]

    with pytest.raises(ValidationError, match="said no"):
        apply(world, organiser, joiners)

    assert places(world.scheme) == before
    assert not OutboundEmail.objects.exists()


def test_applied_again_it_changes_and_tells_no_one_twice(world, organiser):
    joiners = [Joiner(group=world.b, track=GP, person=world.gp1)]
    first = apply(world, organiser, joiners)
    before = places(world.scheme)

    again = apply(world, organiser)  # gp1's place in B is arranged now

    assert (first.told, again.told) == (2, 0)
    assert places(world.scheme) == before
    assert OutboundEmail.objects.filter(kind="changeover").count() == 2


def test_a_plan_that_changed_since_the_preview_is_refused(world, organiser):
    seen = changeover_preview(world.scheme, DAY).digest
    factories.MembershipFactory(group=world.a, track=GP)  # someone else added a trainee

    with pytest.raises(ValidationError, match="reads differently"):
        apply(world, organiser, digest=seen)

    assert not Membership.objects.filter(end_date=EVE).exists()


def test_nothing_to_apply_and_a_day_passed_are_refused(world, organiser):
    RotationDate.objects.all().delete()
    with pytest.raises(ValidationError, match="Nothing to apply"):
        apply(world, organiser)
    with pytest.raises(ValidationError, match="passed"):
        services.changeover_apply(
            actor=organiser,
            scheme=world.scheme,
            day=date(2026, 3, 1),
            joiners=[Joiner(group=world.b, track=GP, person=world.returning)],
        )


@pytest.mark.parametrize("role", ["trainee", "leader", "other_scheme_organiser"])
def test_only_the_schemes_organisers_apply_it(world, request, role):
    with pytest.raises(PermissionDenied):
        apply(world, request.getfixturevalue(role))
    assert not Membership.objects.filter(end_date=EVE).exists()


def test_counted_sessions_travel_with_the_person(world, organiser):
    assert progress_for(world.gp1, world.scheme).count == 2

    apply(world, organiser, [Joiner(group=world.b, track=GP, person=world.gp1)])

    progress = progress_for(world.gp1, world.scheme)
    assert progress.count == 2
    assert [(m.group, m.end_date) for m in progress.memberships] == [
        (world.a, EVE),
        (world.b, None),
    ]
    figure = TraineeFigure.objects.get(scheme=world.scheme, person=world.gp1)
    assert figure.counted == 2


def test_leavers_lose_group_access_the_next_day(world, organiser, client, frozen_now):
    apply(world, organiser)

    for day, reads in ((EVE, True), (DAY, False)):
        assert groups_visible_to(world.gp2, on=day).filter(pk=world.a.pk).exists() is reads
        frozen_now.move_to(datetime.combine(day, time(8), DUBLIN))
        client.force_login(world.gp2)
        response = client.get(f"/groups/{world.a.pk}/")
        assert response.context["place"].reads_group is reads


def test_the_rota_is_planned_again_for_the_groups_that_change(world, organiser):
    days = wednesdays(8)  # 4 March to 22 April
    for day in days:
        SessionFactory(group=world.a, slot_date=day)
        SessionFactory(group=world.b, slot_date=day)
    other = factories.GroupFactory(scheme=world.scheme)  # psychiatry: does not change
    factories.MembershipFactory(group=other)
    factories.MembershipFactory(group=other)
    for day in days:
        SessionFactory(group=other, slot_date=day)
    for group in (world.a, other):  # B's leaders keep no rota
        session_services.rota_assign(actor=organiser, group=group)
    leavers = {world.gp1.pk, world.gp2.pk}
    later = Session.objects.filter(group=world.a, slot_date__gte=DAY)
    assert set(later.values_list("presenter", flat=True)) & leavers
    earlier = dict(world.a.sessions.filter(slot_date__lt=DAY).values_list("pk", "presenter"))
    others = dict(other.sessions.values_list("pk", "presenter"))

    apply(world, organiser, [Joiner(group=world.a, track=GP, person=world.returning)])

    presenters = list(later.values_list("presenter", flat=True))
    assert None not in presenters and not set(presenters) & leavers
    assert world.returning.pk in presenters
    assert dict(world.a.sessions.filter(slot_date__lt=DAY).values_list("pk", "presenter")) == (
        earlier
    )
    assert dict(other.sessions.values_list("pk", "presenter")) == others  # not changing
    assert not world.b.sessions.filter(presenter__isnull=False).exists()  # no rota kept


def test_everyone_who_moves_is_told_once(world, organiser):
    plan = apply(
        world,
        organiser,
        [
            Joiner(group=world.b, track=GP, person=world.gp1),
            Joiner(group=world.a, track=GP, email="new@example.org", full_name="Dr New"),
        ],
    )

    mail = OutboundEmail.objects.filter(kind="changeover")
    assert sorted(mail.values_list("to", flat=True)) == sorted([world.gp1.email, world.gp2.email])
    mover = mail.get(person=world.gp1)
    assert mover.object_key == f"changeover:{world.scheme.pk}:{DAY}:{world.gp1.pk}"
    assert world.a.name in mover.body_text and world.b.name in mover.body_text
    assert "ends on Tuesday 31 March 2026" in mover.body_text
    assert OutboundEmail.objects.filter(kind="invitation", to="new@example.org").count() == 1
    assert notices.changeover_told(plan) == 0  # told once, however often it is asked
    assert mail.count() == 2


def test_rotation_dates_repeat_every_few_months(scheme, organiser):
    added = services.rotation_dates_add(
        actor=organiser, scheme=scheme, track=GP, first=date(2026, 1, 31), every_months=4, count=3
    )
    again = services.rotation_dates_add(
        actor=organiser, scheme=scheme, track=GP, first=date(2026, 5, 31)
    )

    assert [d.day for d in added] == [date(2026, 1, 31), date(2026, 5, 31), date(2026, 9, 30)]
    assert again == []
    assert RotationDate.objects.filter(scheme=scheme).count() == 3


@pytest.mark.parametrize("role", ["trainee", "other_scheme_organiser"])
def test_only_organisers_keep_rotation_dates(scheme, request, role):
    rotation = RotationDate.objects.create(scheme=scheme, track=GP, day=DAY)
    person = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        services.rotation_dates_add(actor=person, scheme=scheme, track=GP, first=DAY)
    with pytest.raises(PermissionDenied):
        services.rotation_date_delete(actor=person, rotation_date=rotation)
    assert RotationDate.objects.count() == 1


def test_required_is_the_schemes(world):
    assert changeover_preview(world.scheme, DAY).required == REQUIRED
