"""feedback/permissions.py: who may give feedback, see summaries and answer evaluations."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser

from feedback import permissions
from tests import factories
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory
from tests.factories.feedback import TermEvaluationFactory, ThemeFactory, attendee
from tests.factories.sessions import NOW

pytestmark = pytest.mark.usefixtures("frozen_now")


def test_anonymous_may_do_nothing(group):
    session = HeldSessionFactory(group=group)
    evaluation = TermEvaluationFactory(group=group)
    ThemeFactory(scheme=group.scheme)
    anonymous = AnonymousUser()

    assert not permissions.can_give_feedback(anonymous, session)
    assert not permissions.can_see_feedback_summary(anonymous, group)
    assert not permissions.feedback_sessions_of(anonymous).exists()
    assert not permissions.themes_managed_by(anonymous).exists()
    assert not permissions.evaluations_managed_by(anonymous).exists()
    assert not permissions.evaluations_visible_to(anonymous).exists()
    assert not permissions.can_answer_evaluation(anonymous, evaluation)


def test_feedback_sessions_are_those_attended_in_the_last_week(group):
    last = HeldSessionFactory(group=group)
    person = attendee(last)
    old = HeldSessionFactory(group=group, slot_date=last.slot_date - timedelta(weeks=1))
    AttendanceFactory(session=old, person=person)
    absent = HeldSessionFactory(group=group, slot_date=last.slot_date - timedelta(days=1))
    AttendanceFactory(session=absent, person=person, status="absent")

    assert list(permissions.feedback_sessions_of(person)) == [last]
    assert permissions.can_give_feedback(person, last)
    assert not permissions.can_give_feedback(person, old)
    assert not permissions.can_give_feedback(person, absent)


def test_summaries_for_leaders_and_organisers_only(group, leader, organiser, trainee):
    assert permissions.can_see_feedback_summary(leader, group)
    assert permissions.can_see_feedback_summary(organiser, group)
    assert not permissions.can_see_feedback_summary(trainee, group)


def test_themes_and_evaluations_stay_within_the_organisers_scheme(
    group, organiser, other_scheme_organiser
):
    theme = ThemeFactory(scheme=group.scheme)
    evaluation = TermEvaluationFactory(group=group)

    assert list(permissions.themes_managed_by(organiser)) == [theme]
    assert list(permissions.evaluations_managed_by(organiser)) == [evaluation]
    assert not permissions.themes_managed_by(other_scheme_organiser).exists()
    assert not permissions.evaluations_managed_by(other_scheme_organiser).exists()


def test_members_answer_evaluations_of_their_group_only(group, other_group, trainee):
    mine = TermEvaluationFactory(group=group)
    theirs = TermEvaluationFactory(group=other_group)

    assert list(permissions.evaluations_visible_to(trainee)) == [mine]
    assert permissions.can_answer_evaluation(trainee, mine)
    assert not permissions.can_answer_evaluation(trainee, theirs)


def test_a_leader_is_not_an_evaluation_member(group, leader):
    evaluation = TermEvaluationFactory(group=group)
    assert not permissions.is_evaluation_member(leader, evaluation)


def test_someone_who_joined_after_it_opened_may_answer(group):
    evaluation = TermEvaluationFactory(group=group)
    newcomer = factories.MembershipFactory(group=group, start_date=NOW.date()).person
    assert permissions.can_answer_evaluation(newcomer, evaluation)
