"""Whom an email names besides its recipient (OutboundEmail.named), so that erasing one of
them finds the emails that name them without searching every email's text
(groups/privacy.py). What erasure then does to them: tests/groups/test_person_erase.py."""

from balint import outbox
from balint.models import OutboundEmail
from groups.models import User
from tests import factories
from tests.factories.sessions import SessionFactory


def test_the_demo_names_in_each_email_only_its_recipient_and_the_people_it_lists(seeded_demo, db):
    people = list(User.objects.exclude(full_name=""))
    emails = OutboundEmail.objects.prefetch_related("named")
    # Among them every kind of email the demo sends that names someone else.
    kinds = set(emails.values_list("kind", flat=True))
    assert kinds >= {
        "assessment_requested",
        "assessment_completed",
        "below_minimum",
        "guest_request",
        "reminder_day_before",
        "swap",
    }
    unlisted = [
        f"{email.kind} to {email.to} names {person.full_name}"
        for email in emails
        for person in people
        if person.full_name in email.subject + email.body_text
        and person.pk != email.person_id
        and person not in email.named.all()
    ]
    assert unlisted == []
    assert OutboundEmail.named.through.objects.exists()


def test_only_others_are_listed_each_once(db):
    recipient, asker = factories.UserFactory(), factories.UserFactory()
    session = SessionFactory()
    email = outbox.email_queue(
        kind="date_given_back",
        object_key="session:1:given_back",
        to=recipient.email,
        person=recipient,
        template="date_given_back",
        context={"session": session, "person": asker},
        named=[asker, recipient, None, asker],
    )
    assert list(email.named.all()) == [asker]
