"""Writes for assessments: a scheme's forms, and the request → complete → acknowledge
flow. Each write is one transaction; emails go through the outbox inside it
(attendance.assessments.notices) and the trainee's figures are refreshed in it."""

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from attendance.assessments import notices, selectors
from attendance.assessments.definition import FormDefinition, form_definition_check
from attendance.assessments.starting_form import starting_form
from attendance.models import Assessment, AssessmentDomain, AssessmentForm, AssessmentRating
from groups import permissions as group_permissions
from groups.figures_hooks import figures_changed
from groups.models import Scheme, User
from sessions.models import Session


def _write_domains(form: AssessmentForm, domains: list[tuple[str, str]]) -> None:
    form.domains.all().delete()
    AssessmentDomain.objects.bulk_create(
        AssessmentDomain(form=form, position=i, name=name.strip(), descriptor=text.strip())
        for i, (name, text) in enumerate(domains, start=1)
    )


def _apply(form: AssessmentForm, definition: FormDefinition, *, wording: bool) -> None:
    form.name = definition.name.strip()
    form.introduction = definition.introduction.strip()
    form.required_per_year = definition.required_per_year
    form.assessor = definition.assessor
    form.days_to_complete = definition.days_to_complete
    if wording:
        form.scale = [label.strip() for label in definition.scale]
        form.judgements = [label.strip() for label in definition.judgements]


def _save(form: AssessmentForm) -> None:
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError:
        raise ValidationError({"name": ["The scheme has a form of that name already."]}) from None


def assessment_form_create(
    *, actor: User, scheme: Scheme, definition: FormDefinition
) -> AssessmentForm:
    group_permissions.require_organiser(actor, scheme)
    if errors := form_definition_check(definition):
        raise ValidationError(errors)
    with transaction.atomic():
        form = AssessmentForm(scheme=scheme)
        _apply(form, definition, wording=True)
        _save(form)
        _write_domains(form, definition.domains)
    return form


def assessment_form_start(*, actor: User, scheme: Scheme) -> AssessmentForm:
    """The shipped starting form for a group-based case discussion assessment, under a
    name the scheme does not use yet; its wording is the scheme's to change."""
    taken = set(AssessmentForm.objects.filter(scheme=scheme).values_list("name", flat=True))
    definition = starting_form()
    name, n = definition.name, 1
    while name in taken:
        n += 1
        name = f"{definition.name} ({n})"
    definition = replace(definition, name=name)
    return assessment_form_create(actor=actor, scheme=scheme, definition=definition)


def form_in_use(form: AssessmentForm) -> bool:
    return form.assessments.exists()


def assessment_form_update(
    *, actor: User, form: AssessmentForm, definition: FormDefinition
) -> AssessmentForm:
    """Change a form. Once an assessment uses it, its domains, scale and judgements stay
    as they are: the ratings already given keep their meaning."""
    group_permissions.require_organiser(actor, form.scheme)
    if errors := form_definition_check(definition):
        raise ValidationError(errors)
    with transaction.atomic():
        form = AssessmentForm.objects.select_for_update().get(pk=form.pk)
        used = form_in_use(form)
        domains = [(d.name, d.descriptor) for d in form.domains.all()]
        if used and (
            [(name.strip(), text.strip()) for name, text in definition.domains] != domains
            or [label.strip() for label in definition.scale] != form.scale
            or [label.strip() for label in definition.judgements] != form.judgements
        ):
            raise ValidationError(
                "Assessments have used this form, so its domains, scale and judgements stay "
                "as they are. Retire it and start a new form to change them."
            )
        _apply(form, definition, wording=not used)
        _save(form)
        if not used:
            _write_domains(form, definition.domains)
    return form


def assessment_form_retire(*, actor: User, form: AssessmentForm) -> AssessmentForm:
    """No new requests; completed assessments stay, and so do requests already made."""
    group_permissions.require_organiser(actor, form.scheme)
    if form.retired_at is None:
        form.retired_at = timezone.now()
        form.save(update_fields=["retired_at"])
    return form


# --- The flow ---------------------------------------------------------------------------


def _checked(assessment: Assessment) -> None:
    """The text fields' validators (the identifier guard, the length), nothing else: the
    other fields' checks would look each foreign key up again."""
    others = [f.name for f in Assessment._meta.fields if f.name not in Assessment.TEXT_FIELDS]
    assessment.full_clean(exclude=others, validate_unique=False, validate_constraints=False)


def assessment_request(
    *, trainee: User, session: Session, form: AssessmentForm, today: date | None = None
) -> Assessment:
    """Ask the session's group's leaders to assess the trainee at a session they attended."""
    today = today or timezone.localdate()
    if not selectors.attended_for_request(trainee, today).filter(session=session).exists():
        raise PermissionDenied("Ask about a session you attended in the last 90 days.")
    if form.scheme_id != session.group.scheme_id or form.retired_at is not None:
        raise ValidationError("That form is not in use in this session’s scheme.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                assessment = Assessment.objects.create(
                    form=form,
                    trainee=trainee,
                    session=session,
                    requested_at=timezone.now(),
                    due_on=today + timedelta(days=form.days_to_complete),
                )
        except IntegrityError:
            raise ValidationError("You have asked for this assessment of that session.") from None
        notices.assessment_requested(assessment)
    return assessment


def assessment_withdraw(*, trainee: User, assessment: Assessment) -> Assessment:
    if assessment.trainee_id != trainee.pk:
        raise PermissionDenied("You can withdraw only your own request.")
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if assessment.status != Assessment.Status.REQUESTED:
            raise ValidationError("That assessment is no longer waiting.")
        assessment.status = Assessment.Status.WITHDRAWN
        assessment.save(update_fields=["status"])
    return assessment


def assessment_complete(
    *,
    assessor: User,
    assessment: Assessment,
    ratings: Mapping[int, int | None],
    judgement: int,
    strengths: str,
    suggestions: str,
) -> Assessment:
    """The leader's answer: a rating (or "not observed") for every domain, a judgement,
    and free text that passes the identifier guard."""
    if not selectors.requests_to(assessor).filter(pk=assessment.pk).exists():
        raise PermissionDenied("Only a leader of the group can complete this assessment.")
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update()
            .select_related("form__scheme", "trainee", "session")
            .get(pk=assessment.pk)
        )
        if assessment.status != Assessment.Status.REQUESTED:
            raise ValidationError("That assessment has been completed or withdrawn.")
        form = assessment.form
        domains = list(form.domains.all())
        if set(ratings) != {d.pk for d in domains}:
            raise ValidationError({"ratings": ["Rate every domain, or mark it not observed."]})
        levels = [level for level in ratings.values() if level is not None]
        if any(not 0 <= level < len(form.scale) for level in levels):
            raise ValidationError({"ratings": ["Choose each rating from the form’s scale."]})
        if not 0 <= judgement < len(form.judgements):
            raise ValidationError({"judgement": ["Choose a global judgement."]})
        assessment.status = Assessment.Status.COMPLETED
        assessment.assessor = assessor
        assessment.completed_at = timezone.now()
        assessment.judgement = judgement
        assessment.strengths = strengths.strip()
        assessment.suggestions = suggestions.strip()
        _checked(assessment)
        assessment.save()
        AssessmentRating.objects.bulk_create(
            AssessmentRating(assessment=assessment, domain=d, level=ratings[d.pk]) for d in domains
        )
        figures_changed(form.scheme_id, [assessment.trainee_id])
        notices.assessment_completed(assessment)
    return assessment


def assessment_acknowledge(*, trainee: User, assessment: Assessment, reflection: str) -> Assessment:
    """The trainee has read it, and may say what they take from it."""
    if assessment.trainee_id != trainee.pk:
        raise PermissionDenied("Only the trainee acknowledges their assessment.")
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if assessment.status != Assessment.Status.COMPLETED:
            raise ValidationError("Only a completed assessment can be acknowledged.")
        assessment.status = Assessment.Status.ACKNOWLEDGED
        assessment.acknowledged_at = timezone.now()
        assessment.reflection = reflection.strip()
        _checked(assessment)
        assessment.save(update_fields=["status", "acknowledged_at", "reflection"])
    return assessment


def assessments_remind_overdue(*, today: date | None = None) -> int:
    """Remind the leaders once about each request past its day. Returns how many."""
    today = today or timezone.localdate()
    reminded = 0
    for pk in list(selectors.overdue(today).values_list("pk", flat=True)):
        with transaction.atomic():
            assessment = (
                selectors.overdue(today).select_for_update(of=("self",)).filter(pk=pk).first()
            )
            if assessment is None:  # completed, withdrawn or reminded meanwhile
                continue
            assessment.reminded_at = timezone.now()
            assessment.save(update_fields=["reminded_at"])
            notices.assessment_overdue(assessment)
            reminded += 1
    return reminded
