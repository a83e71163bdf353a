from django import forms

from balint.forms import TypedChoiceOfModel
from balint.guard import no_patient_identifier
from feedback.models import (
    COMMENT_MAX_LENGTH,
    RATING_MAX,
    RATING_MIN,
    THEME_MAX_LENGTH,
    SessionFeedback,
    TermEvaluation,
    Theme,
)
from feedback.services import MAX_THEMES_PER_SESSION
from groups.models import BalintGroup

RATING_CHOICES = [(value, str(value)) for value in range(RATING_MIN, RATING_MAX + 1)]
SCALE_HELP = f"{RATING_MIN} not at all · {RATING_MAX} completely"


def rating_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": f"Choose a rating from {RATING_MIN} to {RATING_MAX}."},
    )


def comment_field() -> forms.CharField:
    return forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        validators=[no_patient_identifier],
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX_LENGTH}),
        help_text="About how the session went for you. Never anything about the patient "
        "or the case. Shown to the leaders without your name.",
    )


class RatingsForm(forms.Form):
    """Ratings drawn as rows of toggle buttons (templates/feedback/_ratings.html)."""

    rating_names: list[str] = []

    def ratings(self):
        for name in self.rating_names:
            yield self[name]


class FeedbackForm(RatingsForm):
    rating_names = list(SessionFeedback.RATINGS)

    safe_to_speak = rating_field(SessionFeedback.RATINGS["safe_to_speak"])
    stayed_on_relationship = rating_field(SessionFeedback.RATINGS["stayed_on_relationship"])
    useful_for_practice = rating_field(SessionFeedback.RATINGS["useful_for_practice"])
    comment = comment_field()


class EvaluationAnswerForm(RatingsForm):
    rating_names = list(TermEvaluation.QUESTIONS)

    safe_group = rating_field(TermEvaluation.QUESTIONS["safe_group"])
    leadership = rating_field(TermEvaluation.QUESTIONS["leadership"])
    understanding = rating_field(TermEvaluation.QUESTIONS["understanding"])
    recommend = rating_field(TermEvaluation.QUESTIONS["recommend"])
    comment = comment_field()


def theme_name_field(label: str, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=THEME_MAX_LENGTH,
        validators=[no_patient_identifier],
        help_text=f"Up to {THEME_MAX_LENGTH} characters naming a kind of case, e.g. “on-call” "
        "or “frequent attender”. Never a name, date, or hospital number.",
    )


class ThemeForm(forms.Form):
    name = theme_name_field("Theme")


class SessionThemesForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        queryset=Theme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Themes from the scheme’s list",
        help_text=f"Choose up to {MAX_THEMES_PER_SESSION}.",
    )
    new_theme = theme_name_field("Or add a new theme", required=False)

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.filter(scheme=scheme)


class EvaluationOpenForm(forms.Form):
    group = TypedChoiceOfModel(
        BalintGroup.objects.none(),
        lookup="name",
        help_text="Its name as the scheme page shows it.",
        error_messages={"invalid_choice": "No group of this scheme has that name."},
    )
    title = forms.CharField(max_length=80, help_text="Members see this, e.g. “Autumn term 2026”.")

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = scheme.groups.order_by("name")
