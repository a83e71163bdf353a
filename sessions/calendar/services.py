"""The secret address of a person's calendar feed."""

from django.db import transaction

from groups.models import User
from sessions.models import CalendarToken, new_calendar_token


def calendar_token_for(person: User) -> CalendarToken:
    token, _ = CalendarToken.objects.get_or_create(person=person)
    return token


def calendar_token_reset(*, person: User) -> CalendarToken:
    """A new secret: the old feed URL stops working at once."""
    with transaction.atomic():
        token, _ = CalendarToken.objects.select_for_update().get_or_create(person=person)
        token.token = new_calendar_token()
        token.save()
    return token
