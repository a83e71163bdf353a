"""Test data built in code. Each factory makes a valid object with the fewest choices."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from groups.models import BalintGroup, Invitation, Membership, Scheme, SchemeOrganiser, User

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

    name = factory.Sequence(lambda n: f"Scheme {n}")


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
