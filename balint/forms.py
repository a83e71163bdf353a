"""Form fields every app's forms share."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models


class TypedChoiceOfModel(forms.ModelChoiceField):
    """A choice typed, not picked from a list: a text box matched, ignoring case, against
    one unique field of the queryset (a person's email, a group's name).

    For choices that run to hundreds or thousands (500 groups, 5,000 people in a national
    scheme), where a select would put every one of them in the page.
    """

    widget = forms.TextInput

    def __init__(self, queryset, *, lookup: str, **kwargs):
        self.lookup = lookup
        super().__init__(queryset, **kwargs)
        self.widget.attrs.setdefault("autocomplete", "off")

    def prepare_value(self, value):
        if isinstance(value, models.Model):
            return getattr(value, self.lookup)
        if isinstance(value, int):  # an initial primary key
            return self.queryset.filter(pk=value).values_list(self.lookup, flat=True).first()
        return value

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        try:
            return self.queryset.get(**{f"{self.lookup}__iexact": str(value).strip()})
        except (self.queryset.model.DoesNotExist, self.queryset.model.MultipleObjectsReturned):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None

    def has_changed(self, initial, data) -> bool:
        return str(self.prepare_value(initial) or "") != str(data or "")
