"""Whom an email names besides its recipient (OutboundEmail.named), so that erasing one of
them finds the emails that name them without searching every email's text
(groups/privacy.py). What erasure then does to them: tests/groups/test_person_erase.py;
that every email the demo sends lists whom it names: tests/balint/test_seed_demo.py."""

from balint import outbox
from tests import factories
from tests.factories.sessions import SessionFactory


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
