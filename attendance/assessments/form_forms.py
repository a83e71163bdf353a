"""The page an organiser defines an assessment form on: the domains, scale and judgements
as plain text, one a line, read by attendance.assessments.definition into a
FormDefinition that the services save."""

from django import forms

from attendance.assessments.definition import (
    DOMAIN_COUNTS,
    JUDGEMENT_SIZES,
    SCALE_SIZES,
    FormDefinition,
    domains_text,
    form_definition_check,
    parse_domains,
    parse_labels,
)
from attendance.models import AssessmentForm
from attendance.models.assessments import default_judgements, default_scale

# The wording an assessment fixes once it has used the form.
WORDING = ("domains", "scale", "judgements")
# What a new form starts with: the usual scale and judgements, domains to write.
BLANK = {
    "scale": "\n".join(default_scale()),
    "judgements": "\n".join(default_judgements()),
    "required_per_year": 1,
    "assessor": AssessmentForm.Assessor.LEADING,
    "days_to_complete": 14,
}


def _model_help(field: str) -> str:
    return AssessmentForm._meta.get_field(field).help_text


def _lines(rows: int, max_length: int) -> forms.CharField:
    return forms.CharField(
        max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}), strip=False
    )


def _labels_help(sizes: range, example: str) -> str:
    return f"One a line, lowest first: {sizes.start} to {sizes.stop - 1}. For example: {example}"


def initial_from(form: AssessmentForm) -> dict:
    """The page's fields as the saved form has them."""
    domains = [(domain.name, domain.descriptor) for domain in form.domains.all()]
    return {
        "name": form.name,
        "introduction": form.introduction,
        "domains": domains_text(domains),
        "scale": "\n".join(form.scale),
        "judgements": "\n".join(form.judgements),
        "required_per_year": form.required_per_year,
        "assessor": form.assessor,
        "days_to_complete": form.days_to_complete,
    }


class AssessmentFormForm(forms.Form):
    """Each field is one of FormDefinition's; `definition` holds it once valid. The bounds
    are form_definition_check's, shown on the field they concern. With `fixed`, the
    wording is shown but not taken from the post: the form's own stays."""

    name = forms.CharField(max_length=100, help_text="As trainees and leaders see it.")
    introduction = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_model_help("introduction"),
    )
    domains = _lines(10, 8000)
    scale = _lines(5, 1000)
    judgements = _lines(4, 1000)
    required_per_year = forms.IntegerField(
        label="Required each training year",
        widget=forms.NumberInput(attrs={"min": 0, "max": 12}),
        help_text=_model_help("required_per_year"),
    )
    assessor = forms.ChoiceField(
        label="Completed by", choices=AssessmentForm.Assessor.choices, widget=forms.RadioSelect
    )
    days_to_complete = forms.IntegerField(
        label="Days to complete",
        widget=forms.NumberInput(attrs={"min": 1, "max": 90}),
        help_text=_model_help("days_to_complete"),
    )

    def __init__(self, *args, fixed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition: FormDefinition | None = None
        fields = self.fields
        fields["domains"].help_text = (
            f"One domain a line, {DOMAIN_COUNTS.start} to {DOMAIN_COUNTS.stop - 1}: its name, a "
            "colon, then what assessors rate it against (the descriptor may be left out). For "
            "example: “Presenting a case: Brings a case that troubles them.”"
        )
        fields["scale"].label = "Rating scale"
        fields["scale"].help_text = _labels_help(
            SCALE_SIZES,
            "“Below the standard expected”, then “Borderline”, then “Meets the standard expected”.",
        )
        fields["judgements"].label = "Global judgements"
        fields["judgements"].help_text = _labels_help(
            JUDGEMENT_SIZES,
            "“Below the standard for this stage of training”, then “At the "
            "standard for this stage of training”.",
        )
        if fixed:
            for name in WORDING:
                fields[name].disabled = True
                fields[name].help_text = "Fixed: assessments have used this form."

    def clean_domains(self) -> list[tuple[str, str]]:
        domains, problems = parse_domains(self.cleaned_data["domains"])
        if problems:
            raise forms.ValidationError(problems)
        return domains

    def clean_scale(self) -> list[str]:
        return parse_labels(self.cleaned_data["scale"])

    def clean_judgements(self) -> list[str]:
        return parse_labels(self.cleaned_data["judgements"])

    def clean(self):
        data = super().clean()
        # A field already in error is left out, and its place taken by a blank that the
        # check would complain of: only the problems of the fields that read are added.
        definition = FormDefinition(
            **({"name": "", "domains": [], "scale": [], "judgements": []} | data)
        )
        for field, problems in form_definition_check(definition).items():
            if field not in self.errors:
                self.add_error(field, problems)
        if not self.errors:
            self.definition = definition
        return data
