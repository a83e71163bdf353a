"""Forms of the assessment flow: the trainee's request and acknowledgement, the leader's
answer. They check the input's shape only; the services (attendance.assessments.services)
hold the rules: who may, when, and the patient-identifier guard."""

from collections import defaultdict

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateformat import format as date_format

from attendance.models import Assessment, AssessmentDomain, AssessmentForm, Attendance
from attendance.models.assessments import TEXT_LIMIT
from groups.models import User

NOT_OBSERVED = "not_observed"  # a domain's radio value when there is no rating to give
TRAINEE_REMINDER = (
    "About you and your learning, never about a patient: no names, dates or numbers that "
    "could identify one."
)
ASSESSOR_REMINDER = (
    "About the doctor, never the patient: no names, dates of birth, hospital numbers or "
    "anything else that could identify a patient."
)


def session_label(record: Attendance, trainee: User) -> str:
    """ "Wicklow — Wed 25 Feb 2026", marked when the trainee presented: the usual choice."""
    session = record.session
    label = f"{session.group.name} — {date_format(session.slot_date, 'D j M Y')}"
    return f"{label} · you presented" if session.presenter_id == trainee.pk else label


def free_text(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": TEXT_LIMIT}),
    )


class RequestForm(forms.Form):
    """A session the trainee attended, and which form, unless each scheme has just one."""

    session = forms.TypedChoiceField(
        coerce=int,
        label="Session",
        help_text="Usually one you presented at.",
        error_messages={
            "required": "Choose a session you attended.",
            "invalid_choice": "Choose a session you attended in the last 90 days.",
        },
    )
    assessment_form = forms.TypedChoiceField(
        coerce=int,
        label="Assessment",
        error_messages={"invalid_choice": "Choose one of the assessments in use."},
    )

    def __init__(self, *args, records: list[Attendance], forms_in_use, trainee: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.sessions = {record.session_id: record.session for record in records}
        self.by_pk = {form.pk: form for form in forms_in_use}
        self.by_scheme: dict[int, list[AssessmentForm]] = defaultdict(list)
        for form in forms_in_use:
            self.by_scheme[form.scheme_id].append(form)
        field = self.fields["session"]
        field.choices = [(r.session_id, session_label(r, trainee)) for r in records]
        field.widget.attrs["class"] = "form-select"
        field.initial = next(
            (r.session_id for r in records if r.session.presenter_id == trainee.pk), None
        )
        if self.one_form_each:
            del self.fields["assessment_form"]
        else:
            several_schemes = len(self.by_scheme) > 1
            field = self.fields["assessment_form"]
            field.choices = [
                (f.pk, f"{f.name} ({f.scheme.name})" if several_schemes else f.name)
                for f in forms_in_use
            ]
            field.widget.attrs["class"] = "form-select"

    @property
    def one_form_each(self) -> bool:
        return all(len(forms_) == 1 for forms_ in self.by_scheme.values())

    @property
    def only_form(self) -> AssessmentForm | None:
        """The one form there is to ask for, named on the page instead of a choice."""
        return next(iter(self.by_pk.values())) if len(self.by_pk) == 1 else None

    def clean(self):
        data = super().clean()
        session = self.sessions.get(data.get("session"))
        if session is None:
            return data
        data["session"] = session
        if self.one_form_each:
            [data["assessment_form"]] = self.by_scheme.get(session.group.scheme_id) or [None]
        elif "assessment_form" in data:
            data["assessment_form"] = self.by_pk[data["assessment_form"]]
        if data.get("assessment_form") is None and not self.errors:
            raise ValidationError("That session’s scheme has no assessment in use.")
        return data


class CompleteForm(forms.Form):
    """One radio group per domain (its scale's labels and "Not observed"), the global
    judgement, strengths and suggestions."""

    judgement = forms.TypedChoiceField(
        coerce=int,
        label="Global judgement",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a global judgement."},
    )
    strengths = free_text("Strengths", "What the doctor does well in the group.")
    suggestions = free_text("Suggestions", "What would help the doctor develop.")

    def __init__(self, *args, assessment: Assessment, domains: list[AssessmentDomain], **kwargs):
        super().__init__(*args, **kwargs)
        self.domains = domains
        scale = [(str(i), label) for i, label in enumerate(assessment.form.scale)]
        for domain in domains:
            self.fields[self.domain_field(domain)] = forms.TypedChoiceField(
                label=domain.name,
                help_text=domain.descriptor,
                choices=[*scale, (NOT_OBSERVED, "Not observed")],
                coerce=lambda value: None if value == NOT_OBSERVED else int(value),
                widget=forms.RadioSelect,
                error_messages={"required": "Choose a rating, or Not observed."},
            )
        self.fields["judgement"].choices = list(enumerate(assessment.form.judgements))
        self.order_fields([self.domain_field(d) for d in domains])

    @staticmethod
    def domain_field(domain: AssessmentDomain) -> str:
        return f"domain_{domain.pk}"

    def rating_fields(self):
        for domain in self.domains:
            yield self[self.domain_field(domain)]

    def answer(self) -> dict:
        """The keyword arguments of services.assessment_complete the form gives."""
        data = self.cleaned_data
        return {
            "ratings": {d.pk: data[self.domain_field(d)] for d in self.domains},
            "judgement": data["judgement"],
            "strengths": data["strengths"],
            "suggestions": data["suggestions"],
        }


class AcknowledgeForm(forms.Form):
    reflection = free_text(
        "Your reflection (optional)", "What you take from it, for your learning."
    )
