"""A person's own leave: it shows as apologies and keeps them off the rota for those days."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from groups.figures_hooks import person_figures_changed
from groups.models import User
from sessions.models import Leave


def leave_record(*, person: User, start_date: date, end_date: date, kind: str) -> Leave:
    leave = Leave(person=person, start_date=start_date, end_date=end_date, kind=kind)
    leave.full_clean(exclude=["person"])
    if end_date < start_date:
        raise ValidationError({"end_date": "The leave ends before it starts."})
    with transaction.atomic():
        leave.save()
        # Leave days are not attendable: their progress projection and standing move.
        person_figures_changed(person.pk)
    return leave


def leave_delete(*, actor: User, leave: Leave) -> None:
    if leave.person_id != actor.pk:
        raise PermissionDenied("You can only remove your own leave.")
    with transaction.atomic():
        leave.delete()
        person_figures_changed(actor.pk)
