from django import forms

from sessions.models import PresentingOffer, Session


class PresenterForm(forms.Form):
    presenter = forms.ModelChoiceField(queryset=None, required=False, empty_label="No presenter")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = members


class OfferForm(forms.Form):
    kind = forms.ChoiceField(choices=PresentingOffer.Kind.choices)


class SwapForm(forms.Form):
    other = forms.ModelChoiceField(
        queryset=None,
        label="Swap with",
        empty_label=None,
        widget=forms.RadioSelect,
        help_text="They are asked by email and must accept.",
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = choices
        self.fields["other"].label_from_instance = _swap_label


def _swap_label(session: Session) -> str:
    return f"{session.slot_date:%a %d %b %Y} — {session.presenter.full_name}"
