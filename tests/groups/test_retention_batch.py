"""The retention run erases accounts in batches: the same result as erasing the same people
one by one through person_erase, in a number of queries that does not grow with them.
"""

import logging
from datetime import UTC, timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from attendance.models import Attendance, Certificate, CertificateExport
from balint.models import OutboundEmail
from balint.privacy import ERASED_MENTION, mention_pattern, mentioning, scrub_mentions
from feedback.models import EvaluationAnswer, SessionFeedback
from groups import retention, selectors, services
from groups.models import ERASED_NAME, Invitation, PersonErasure, User
from sessions.models import RosterSource, RosterUpload, Session
from tests import factories
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory
from tests.factories.certificates import CertificateFactory
from tests.factories.feedback import EvaluationAnswerFactory
from tests.factories.privacy import OTTO, ZEB, scene_with_two_people
from tests.factories.rosters import SchemeRosterFactory
from tests.factories.sessions import NOW, LeaveFactory, SessionFactory

NOW_UTC = NOW.astimezone(UTC)
TODAY = NOW.date()
BOTH = f"{ZEB['full_name']} and {OTTO['full_name']}"


pytestmark = pytest.mark.usefixtures("frozen_now")


def signed_in(person: User) -> str:
    """A signed-in session of the person, through the configured store."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(person.pk)
    store.create()
    return store.session_key


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table, but what an erasure makes at random (the unusable
    password) and the erasures' own ids."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        rows = []
        for values in model._base_manager.order_by("pk").values():
            if model is User:
                values.pop("password")
            if model is PersonErasure:
                values.pop("id")
            rows.append(
                {k: bytes(v) if isinstance(v, memoryview) else v for k, v in values.items()}
            )
        state[model._meta.label] = rows
    return state


class _Undo(Exception):
    pass


def result_of(erase) -> dict[str, list[dict]]:
    """The database after `erase`, which is then rolled back."""
    try:
        with transaction.atomic():
            erase()
            state = snapshot()
            raise _Undo
    except _Undo:
        return state


@pytest.fixture
def scene(db, settings, tmp_path):
    """Zeb and Otto with data of every kind, and mentions of them in every scrubbed field,
    some rows mentioning both."""
    settings.MEDIA_ROOT = tmp_path / "media"
    scene = scene_with_two_people()
    zeb, otto = scene.zeb, scene.otto
    # Both led in another group of the scheme: other trainees' certificates name them.
    led = HeldSessionFactory(group=factories.GroupFactory(scheme=scene.scheme))
    for who in (zeb, otto):
        AttendanceFactory(session=led, person=who, role=Attendance.Role.CO_LEADER)
    third = factories.UserFactory(full_name="Theodora Thirdperson")
    named = factories.GroupFactory(scheme=scene.scheme, name="Named Group")
    certificate = CertificateFactory(
        trainee=third,
        scheme=scene.scheme,
        leaders=f"{scene.leader.full_name}; {zeb.full_name}; {otto.full_name}",
        groups=named.name,
        revoke_reason=f"Issued in error; {otto.email}",
    )
    export = CertificateExport.objects.create(
        scheme=scene.scheme, requested_by=scene.organiser, total=1, expires_at=NOW
    )
    export.certificates.set([certificate])
    SessionFactory(
        group=scene.group,
        status=Session.Status.CANCELLED,
        cancel_reason=f"{BOTH.upper()} are away; Ottoline Vantongerenson stands in",
        location_override=f"Room of {zeb.email}",
    )
    roster = SchemeRosterFactory(scheme=scene.scheme, created_by=scene.organiser)
    RosterSource.objects.filter(pk=roster.pk).update(
        name=f"Cover: {BOTH}", last_error=f"No row for {otto.registration_number}"
    )
    RosterUpload.objects.create(
        scheme=scene.scheme,
        uploaded_by=scene.organiser,
        filename=f"{zeb.registration_number}.csv",
        content=b"email,start,end\nnobody@example.org,2026-03-04 08:00,2026-03-04 20:00\n",
    )
    feedback = SessionFeedback.objects.create(
        session=scene.sessions[-1],
        person=scene.leader,
        safe_to_speak=4,
        stayed_on_relationship=4,
        useful_for_practice=4,
        comment=f"{BOTH} spoke well",
    )
    assert feedback.comment
    EvaluationAnswerFactory(evaluation=scene.evaluation, comment=f"Thanks to {otto.full_name}!")
    LogEntry.objects.create(
        user=scene.organiser,
        object_id="1",
        object_repr=f"Note on {zeb.full_name}",
        action_flag=CHANGE,
        change_message=f"Moved {BOTH} ({otto.email})",
    )
    factories.InvitationFactory(
        scheme=scene.scheme, group=scene.group, email=otto.email.upper(), full_name="Otto V"
    )
    # Sent to Otto's address, accepted by Zeb: it ends up named after Zeb either way.
    factories.InvitationFactory(
        scheme=scene.scheme, email=otto.email, accepted_by=zeb, accepted_at=NOW
    )
    factories.OutboundEmailFactory(to=zeb.email.upper(), person=None)
    for who in (zeb, otto, scene.leader):
        signed_in(who)
    return scene


def one_by_one(scene):
    for pk in sorted([scene.zeb.pk, scene.otto.pk]):
        person = User.objects.get(pk=pk)
        services.person_erase(actor=None, person=person, scheme=scene.scheme, when=NOW)


def in_a_batch(scene):
    people = User.objects.filter(pk__in=[scene.zeb.pk, scene.otto.pk]).order_by("pk")
    retention.people_erase_for_retention(
        people=[(person, scene.scheme) for person in people], when=NOW
    )


def test_a_batch_leaves_the_database_as_erasing_one_by_one_does(scene):
    before = snapshot()

    separately = result_of(lambda: one_by_one(scene))
    together = result_of(lambda: in_a_batch(scene))

    assert together == separately
    assert together != before
    assert snapshot() == before  # both were rolled back


def test_a_batch_erases_both_people_everywhere(scene):
    kept = {model: model._base_manager.count() for model in (Attendance, Certificate, Session)}

    in_a_batch(scene)

    for who in (scene.zeb, scene.otto):
        who.refresh_from_db()
        assert (who.full_name, who.email) == (ERASED_NAME, f"erased-{who.pk}@invalid.example")
        assert not who.has_usable_password()
    assert set(PersonErasure.objects.values_list("person", "reason", "scheme", "erased_at")) == {
        (scene.zeb.pk, "retention", scene.scheme.pk, NOW),
        (scene.otto.pk, "retention", scene.scheme.pk, NOW),
    }
    cancelled = Session.objects.get(status=Session.Status.CANCELLED)
    assert cancelled.cancel_reason == (
        f"{ERASED_MENTION} AND {ERASED_MENTION} are away; Ottoline Vantongerenson stands in"
    )
    assert cancelled.location_override == f"Room of {ERASED_MENTION}"
    assert SessionFeedback.objects.get(person=scene.leader).comment == (
        f"{ERASED_MENTION} and {ERASED_MENTION} spoke well"
    )
    assert EvaluationAnswer.objects.filter(comment=f"Thanks to {ERASED_MENTION}!").exists()
    entry = LogEntry.objects.get(object_id="1")
    assert entry.change_message == f"Moved {ERASED_MENTION} and {ERASED_MENTION} ({ERASED_MENTION})"
    assert entry.object_repr == f"Note on {ERASED_MENTION}"
    assert RosterSource.objects.filter(
        name=f"Cover: {ERASED_MENTION} and {ERASED_MENTION}"
    ).exists()
    assert RosterUpload.objects.get().filename == f"{ERASED_MENTION}.csv"
    third = Certificate.objects.get(trainee__full_name="Theodora Thirdperson")
    assert third.leaders == f"{scene.leader.full_name}; {ERASED_NAME}; {ERASED_NAME}"
    assert third.revoke_reason == f"Issued in error; {ERASED_MENTION}"
    assert not CertificateExport.objects.exists()
    assert set(Invitation.objects.filter(revoked_at=NOW).values_list("email", flat=True)) == {
        f"erased-{scene.otto.pk}@invalid.example"
    }
    assert not OutboundEmail.objects.filter(to__iexact=ZEB["email"]).exists()
    signed_in_still = [s.get_decoded()["_auth_user_id"] for s in DjangoSession.objects.all()]
    assert signed_in_still == [str(scene.leader.pk)]
    assert kept == {model: model._base_manager.count() for model in kept}


# --- Someone who may no longer be erased ----------------------------------------------------


def left_long_ago(scheme, **kwargs) -> User:
    person = factories.UserFactory(**kwargs)
    factories.MembershipFactory(
        person=person,
        group=factories.GroupFactory(scheme=scheme),
        start_date=TODAY - timedelta(days=1200),
        end_date=TODAY - timedelta(days=1000),
    )
    return person


def test_someone_who_gained_a_membership_meanwhile_is_left_alone_and_the_rest_erased(db, caplog):
    scheme = factories.SchemeFactory(account_retention_days=730)
    first, back, last = (
        left_long_ago(scheme, full_name=name) for name in ("Ada Early", "Bea Back", "Cy Late")
    )
    due = selectors.accounts_past_retention(NOW_UTC)
    assert [p for p, _ in due] == [first, back, last]
    factories.MembershipFactory(person=back, group=factories.GroupFactory(scheme=scheme))

    with caplog.at_level(logging.INFO, logger="groups.retention"):
        erasures = retention.people_erase_for_retention(people=due, when=NOW_UTC)

    assert [e.person for e in erasures] == [first, last]
    assert set(PersonErasure.objects.values_list("person", flat=True)) == {first.pk, last.pk}
    back.refresh_from_db()
    assert back.full_name == "Bea Back"
    assert back.has_usable_password()
    assert f"Retention left person {back.pk} alone: Bea Back is a " in caplog.text
    for person in (first, last):
        person.refresh_from_db()
        assert person.full_name == ERASED_NAME


@pytest.mark.parametrize("role", ["organiser", "staff"])
def test_someone_given_another_role_meanwhile_is_left_alone(db, caplog, role):
    scheme = factories.SchemeFactory(account_retention_days=730)
    due = [(left_long_ago(scheme), scheme) for _ in range(2)]
    assert selectors.accounts_past_retention(NOW_UTC) == due
    kept = due[0][0]
    if role == "organiser":
        factories.OrganiserFactory(scheme=scheme, person=kept)
    else:
        User.objects.filter(pk=kept.pk).update(is_staff=True)

    with caplog.at_level(logging.WARNING, logger="groups.retention"):
        erasures = retention.people_erase_for_retention(people=due, when=NOW_UTC)

    assert [e.person_id for e in erasures] == [due[1][0].pk]
    assert f"Retention left person {kept.pk} alone" in caplog.text
    kept.refresh_from_db()
    assert kept.has_usable_password()
    assert kept.organiser_roles.exists() == (role == "organiser")


def test_someone_erased_meanwhile_is_left_alone(db, caplog):
    scheme = factories.SchemeFactory(account_retention_days=730)
    due = [(left_long_ago(scheme), scheme) for _ in range(2)]
    services.person_erase(actor=None, person=due[0][0], scheme=scheme)

    with caplog.at_level(logging.WARNING, logger="groups.retention"):
        erasures = retention.people_erase_for_retention(people=due, when=NOW_UTC)

    assert [e.person_id for e in erasures] == [due[1][0].pk]
    assert "has already been erased" in caplog.text
    assert PersonErasure.objects.count() == 2


# --- Queries ------------------------------------------------------------------------------------


def people_due(scheme, count: int, start: int) -> list[User]:
    """People past retention, each with data in several parts and mentioned by others."""
    people = []
    session = SessionFactory(group=factories.GroupFactory(scheme=scheme))
    for n in range(start, start + count):
        person = left_long_ago(
            scheme, full_name=f"Person Number{n:03d}", registration_number=f"IMC {n:06d}"
        )
        LeaveFactory(person=person)
        signed_in(person)
        factories.InvitationFactory(scheme=scheme, email=person.email, accepted_by=person)
        factories.OutboundEmailFactory(to=person.email, person=person)
        AttendanceFactory(session=session, person=person)
        people.append(person)
    Session.objects.filter(pk=session.pk).update(
        cancel_reason=", ".join(p.registration_number for p in people)
    )
    return people


def test_the_retention_run_takes_no_more_queries_for_many_people_than_for_a_few(
    db, django_assert_max_num_queries
):
    scheme = factories.SchemeFactory(account_retention_days=730)
    people_due(scheme, 3, start=0)
    with CaptureQueriesContext(connection) as few:
        assert services.retention_enforce().removed["accounts erased"] == 3

    many = people_due(scheme, 12, start=100)
    with django_assert_max_num_queries(len(few)):
        assert services.retention_enforce().removed["accounts erased"] == 12
    assert Session.objects.filter(cancel_reason=", ".join([ERASED_MENTION] * 12)).exists()
    assert (
        not User.objects.filter(pk__in=[p.pk for p in many]).exclude(full_name=ERASED_NAME).exists()
    )


def test_the_run_erases_in_batches(db, monkeypatch):
    scheme = factories.SchemeFactory(account_retention_days=730)
    people_due(scheme, 5, start=0)
    monkeypatch.setattr(retention, "ERASE_BATCH", 2)
    batches = []
    erase = retention.people_erase_for_retention

    def counted(*, people, when):
        batches.append(len(people))
        return erase(people=people, when=when)

    monkeypatch.setattr(retention, "people_erase_for_retention", counted)

    assert services.retention_enforce().removed["accounts erased"] == 5
    assert batches == [2, 2, 1]


# --- The whole-word rule ------------------------------------------------------------------------


@pytest.fixture
def note(db):
    """A free-text field to scrub: an admin history entry's change message."""
    author = factories.UserFactory()

    def write(text: str) -> LogEntry:
        return LogEntry.objects.create(
            user=author, object_repr="x", action_flag=CHANGE, change_message=text
        )

    return write


def scrubbed(note, text: str, words: list[str]) -> str:
    entry = note(text)
    scrub_mentions(LogEntry.objects.filter(pk=entry.pk), "change_message", words)
    entry.refresh_from_db()
    return entry.change_message


@pytest.mark.parametrize(
    ("text", "words", "expected"),
    [
        ("Call a.b@x.org, not aXb@x.org", ["a.b@x.org"], "Call [erased], not aXb@x.org"),
        (
            "C++ Smith (Jo) met C++ Smithers",
            ["C++ Smith", "(Jo)"],
            "[erased] [erased] met C++ Smithers",
        ),
        ("Anna, Annabel and Hanna; ANNA!", ["Anna"], "[erased], Annabel and Hanna; [erased]!"),
        (
            "Ann-Marie Byrne-Smith and Ann-Marie Byrne",
            ["Ann-Marie Byrne", "Ann-Marie Byrne-Smith"],
            "[erased] and [erased]",
        ),
        (
            r"Pay $5 | 50% of a_b \d [x]* now",
            ["$5 | 50%", r"a_b \d", "[x]*"],
            "Pay [erased] of [erased] [erased] now",
        ),
        ("a_b stays, 5% stays", ["a%b", "5_"], "a_b stays, 5% stays"),
    ],
)
def test_special_characters_and_longer_words_follow_the_whole_word_rule(
    note, text, words, expected
):
    assert scrubbed(note, text, words) == expected


def test_one_persons_words_give_what_erasing_them_alone_gave(note):
    """For one person, the batched scrub replaces what the word-by-word one did."""
    words = [ZEB["full_name"], ZEB["email"], ZEB["registration_number"]]
    text = (
        f"{ZEB['full_name'].lower()} <{ZEB['email']}>, {ZEB['registration_number']}9, IMC 987654."
    )

    assert scrubbed(note, text, words) == "[erased] <[erased]>, IMC 9876549, [erased]."


WORD_CHARS = st.sampled_from("abAB1_ .-+*?()[]{}|^$\\@%")


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(st.text(WORD_CHARS, min_size=1, max_size=6), min_size=1, max_size=4),
    pieces=st.lists(st.text(WORD_CHARS, max_size=6), max_size=6),
    data=st.data(),
)
def test_every_whole_word_mention_is_found_and_replaced(note, words, pieces, data):
    # A text built of free pieces and the words themselves, in any case.
    text = ""
    for piece in pieces:
        word = data.draw(st.sampled_from(words))
        text += piece + (word.upper() if data.draw(st.booleans()) else word)
    entry = note(text)
    pattern = mention_pattern(words)
    found = mentioning(LogEntry.objects.filter(pk=entry.pk), "change_message", words).exists()

    scrub_mentions(LogEntry.objects.filter(pk=entry.pk), "change_message", words)

    entry.refresh_from_db()
    assert entry.change_message == pattern.sub(ERASED_MENTION, text)
    if pattern.search(text):
        assert found  # the database's pre-filter never misses a mention
    entry.delete()
