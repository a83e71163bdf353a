"""Test data built in code. Each factory makes a valid object with the fewest choices."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from balint.models import OutboundEmail
from groups.models import BalintGroup, Invitation, Membership, Scheme, SchemeOrganiser, User
from tests.factories import figures

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Sign-in needs a verified address (ACCOUNT_EMAIL_VERIFICATION = mandatory)."""
        if create:
            from allauth.account.models import EmailAddress

            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scheme
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Scheme {n}")

    @factory.post_generation
    def sessions_required(scheme, create, extracted, **kwargs):
        """SchemeFactory(sessions_required=N): the scheme's attendance.Requirement."""
        if create and extracted is not None:
            scheme.requirement.sessions_required = extracted
            scheme.requirement.save()


class OrganiserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchemeOrganiser

    scheme = factory.SubFactory(SchemeFactory)
    person = factory.SubFactory(UserFactory)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BalintGroup

    scheme = factory.SubFactory(SchemeFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    meeting_weekday = BalintGroup.Weekday.WEDNESDAY
    start_time = time(9, 0)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(UserFactory)
    group = factory.SubFactory(GroupFactory)
    role = Membership.Role.MEMBER
    track = Membership.Track.PSYCHIATRY
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    end_date = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        membership = super()._create(model_class, *args, **kwargs)
        # Written past the services: the figures table kept as membership_add keeps it.
        figures.people_changed(membership.group.scheme_id, [membership.person_id])
        return membership


class LeaderFactory(MembershipFactory):
    role = Membership.Role.LEADER
    track = Membership.Track.OTHER


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    scheme = factory.SubFactory(SchemeFactory)
    group = factory.SubFactory(GroupFactory, scheme=factory.SelfAttribute("..scheme"))
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    full_name = factory.Faker("name")
    role = Invitation.Role.MEMBER
    start_date = factory.LazyFunction(timezone.localdate)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class OutboundEmailFactory(factory.django.DjangoModelFactory):
    """An email in the outbox, already sent unless told otherwise."""

    class Meta:
        model = OutboundEmail

    kind = "session_changed"
    object_key = factory.Sequence(lambda n: f"session:{n}")
    person = factory.SubFactory(UserFactory)
    to = factory.LazyAttribute(lambda e: e.person.email if e.person else "someone@example.org")
    scheme = None
    subject = "A message"
    body_text = "Hello"
    message_id = factory.Sequence(lambda n: f"<test-{n}@example.org>")
    state = OutboundEmail.State.SENT
    attempts = 1
    next_attempt_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)
    sent_at = factory.LazyAttribute(lambda e: e.created_at if e.state == "sent" else None)
    failed_at = factory.LazyAttribute(lambda e: e.created_at if e.state == "failed" else None)
