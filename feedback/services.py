"""Writes for feedback, themes and term evaluations.

Each function checks permission, runs in one transaction and sends email only
after the transaction commits. Free text (theme names, comments) goes through
balint.guard, which refuses anything that looks like a patient identifier.
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from balint.guard import find_identifier
from balint.outbox import email_queue
from feedback import permissions
from feedback.models import (
    COMMENT_MAX_LENGTH,
    RATING_MAX,
    RATING_MIN,
    THEME_MAX_LENGTH,
    EvaluationAnswer,
    EvaluationReceipt,
    SessionFeedback,
    SessionTheme,
    TermEvaluation,
    Theme,
)
from feedback.permissions import evaluation_members_q
from groups import permissions as group_permissions
from groups.models import BalintGroup, Membership, Scheme, User
from sessions.models import Session

# A session is tagged with a few short themes, not described.
MAX_THEMES_PER_SESSION = 5


def _check_ratings(ratings: dict[str, int]) -> None:
    errors = {
        name: f"Choose a rating from {RATING_MIN} to {RATING_MAX}."
        for name, value in ratings.items()
        if not isinstance(value, int) or not RATING_MIN <= value <= RATING_MAX
    }
    if errors:
        raise ValidationError(errors)


def _clean_comment(comment: str) -> str:
    comment = " ".join((comment or "").split())
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": f"Keep the comment to {COMMENT_MAX_LENGTH} characters or fewer."}
        )
    finding = find_identifier(comment)
    if finding:
        raise ValidationError({"comment": finding.message})
    return comment


# --- Session feedback ----------------------------------------------------------------


def feedback_save(
    *,
    actor: User,
    session: Session,
    safe_to_speak: int,
    stayed_on_relationship: int,
    useful_for_practice: int,
    comment: str = "",
) -> SessionFeedback:
    """Give or change one's feedback on a held session attended, within a week of it."""
    if not permissions.can_give_feedback(actor, session):
        raise PermissionDenied(
            "Only members who were present or late can give feedback, "
            "and only in the week after the session."
        )
    ratings = {
        "safe_to_speak": safe_to_speak,
        "stayed_on_relationship": stayed_on_relationship,
        "useful_for_practice": useful_for_practice,
    }
    _check_ratings(ratings)
    values = {**ratings, "comment": _clean_comment(comment)}
    with transaction.atomic():
        feedback = (
            SessionFeedback.objects.select_for_update()
            .filter(session=session, person=actor)
            .first()
        )
        if feedback is None:
            try:
                with transaction.atomic():
                    return SessionFeedback.objects.create(session=session, person=actor, **values)
            except IntegrityError:
                # Saved twice at once (two tabs): the other one won; update it.
                feedback = SessionFeedback.objects.select_for_update().get(
                    session=session, person=actor
                )
        for name, value in values.items():
            setattr(feedback, name, value)
        feedback.save(update_fields=list(values))
    return feedback


# --- Themes -----------------------------------------------------------------------------


def clean_theme_name(name: str) -> str:
    """Collapse spaces and check length and the identifier guard; the name to store."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Give the theme a name."})
    if len(name) > THEME_MAX_LENGTH:
        raise ValidationError(
            {
                "name": f"Keep a theme to {THEME_MAX_LENGTH} characters or fewer (this has "
                f"{len(name)}): it names a kind of case, it does not describe one."
            }
        )
    finding = find_identifier(name)
    if finding:
        raise ValidationError({"name": finding.message})
    return name


def _same_name(scheme: Scheme, name: str, exclude: Theme | None = None):
    themes = Theme.objects.filter(scheme=scheme, name__iexact=name)
    if exclude is not None:
        themes = themes.exclude(pk=exclude.pk)
    return themes.first()


def _require_organiser(actor: User, scheme: Scheme) -> None:
    if not permissions.can_edit_themes(actor, scheme):
        raise PermissionDenied("Only the scheme's organisers can do this.")


def _save_theme(theme: Theme) -> Theme:
    """Save a new or renamed theme; a name already in the list (any case) is refused."""
    taken = ValidationError({"name": f"“{theme.name}” is already in the list."})
    if _same_name(theme.scheme, theme.name, exclude=theme if theme.pk else None):
        raise taken
    try:
        with transaction.atomic():
            theme.save()
    except IntegrityError:  # added meanwhile: the database's constraint decides
        raise taken from None
    return theme


def theme_create(*, actor: User, scheme: Scheme, name: str) -> Theme:
    _require_organiser(actor, scheme)
    return _save_theme(Theme(scheme=scheme, name=clean_theme_name(name)))


def theme_rename(*, actor: User, theme: Theme, name: str) -> Theme:
    _require_organiser(actor, theme.scheme)
    before, theme.name = theme.name, clean_theme_name(name)
    try:
        return _save_theme(theme)
    except ValidationError:
        theme.name = before
        raise


def theme_delete(*, actor: User, theme: Theme) -> int:
    """Remove a theme from the list and from every session it tags. Returns those sessions."""
    _require_organiser(actor, theme.scheme)
    with transaction.atomic():
        tagged = theme.session_tags.count()
        theme.delete()
    return tagged


def _theme_for(scheme: Scheme, name: str) -> Theme:
    """The scheme's theme of that name (any case), added to the list if it is new."""
    existing = _same_name(scheme, name)
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Theme.objects.create(scheme=scheme, name=name)
    except IntegrityError:  # someone added it meanwhile
        return Theme.objects.get(scheme=scheme, name__iexact=name)


def session_themes_set(
    *, actor: User, session: Session, themes: Iterable[Theme], new_names: Iterable[str] = ()
) -> list[Theme]:
    """Tag a held session with these themes (and new ones, added to the scheme's list).

    Replaces the session's tags. Returns the session's themes.
    """
    if not permissions.can_tag_session(actor, session):
        raise PermissionDenied(
            "Only the group's leaders and the scheme's organisers tag a held session."
        )
    scheme = session.group.scheme
    themes = list(themes)
    if any(theme.scheme_id != scheme.pk for theme in themes):
        raise ValidationError({"themes": "Choose themes from this scheme's list."})
    names = []
    for name in new_names:
        if " ".join((name or "").split()):
            try:
                names.append(clean_theme_name(name))
            except ValidationError as exc:
                raise ValidationError({"new_theme": exc.message_dict["name"]}) from None
    with transaction.atomic():
        chosen = {theme.pk: theme for theme in themes}
        for name in names:
            theme = _theme_for(scheme, name)
            chosen[theme.pk] = theme
        if len(chosen) > MAX_THEMES_PER_SESSION:
            raise ValidationError(
                {"themes": f"Choose at most {MAX_THEMES_PER_SESSION} themes for a session."}
            )
        session.theme_tags.exclude(theme__in=list(chosen)).delete()
        have = set(session.theme_tags.values_list("theme_id", flat=True))
        SessionTheme.objects.bulk_create(
            SessionTheme(session=session, theme_id=pk, tagged_by=actor)
            for pk in chosen
            if pk not in have
        )
    return sorted(chosen.values(), key=lambda t: t.name.lower())


# --- Term evaluations ---------------------------------------------------------------------


def _queue_evaluation_opened(evaluation: TermEvaluation) -> None:
    """Tell the group's members that an end-of-term questionnaire is open."""
    members = Membership.objects.filter(evaluation_members_q(evaluation)).select_related("person")
    for person in sorted({m.person for m in members}, key=lambda p: p.email):
        email_queue(
            kind="evaluation_opened",
            object_key=f"evaluation:{evaluation.pk}",
            to=person.email,
            person=person,
            scheme=evaluation.group.scheme,
            template="evaluation_opened",
            context={"evaluation": evaluation},
        )
    evaluation.notified_at = timezone.now()
    evaluation.save(update_fields=["notified_at"])


def evaluation_open(*, actor: User, group: BalintGroup, title: str) -> TermEvaluation:
    """Open an end-of-term questionnaire; the group's members hear by email."""
    if not group_permissions.is_organiser(actor, group.scheme):
        raise PermissionDenied("Only the scheme's organisers open term evaluations.")
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": "Give the evaluation a title, e.g. “Autumn term”."})
    try:
        with transaction.atomic():
            evaluation = TermEvaluation.objects.create(
                group=group, title=title[:80], opened_by=actor, opened_at=timezone.now()
            )
            _queue_evaluation_opened(evaluation)
    except IntegrityError:
        raise ValidationError(
            {"group": f"{group} already has an open evaluation: close it first."}
        ) from None
    return evaluation


def evaluation_answer(
    *,
    actor: User,
    evaluation: TermEvaluation,
    safe_group: int,
    leadership: int,
    understanding: int,
    recommend: int,
    comment: str = "",
) -> None:
    """Record a member's answer, anonymously: a receipt for them, an unlinked answer row.

    Returns nothing, so no caller holds the answer and the person together.
    """
    if not permissions.is_evaluation_member(actor, evaluation):
        raise PermissionDenied("Only the group's members answer its evaluation.")
    ratings = {
        "safe_group": safe_group,
        "leadership": leadership,
        "understanding": understanding,
        "recommend": recommend,
    }
    _check_ratings(ratings)
    comment = _clean_comment(comment)
    with transaction.atomic():
        evaluation = TermEvaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not evaluation.is_open:
            raise ValidationError("This evaluation is closed.")
        try:
            with transaction.atomic():
                EvaluationReceipt.objects.create(evaluation=evaluation, person=actor)
        except IntegrityError:
            raise ValidationError("You have already answered this evaluation.") from None
        EvaluationAnswer.objects.create(evaluation=evaluation, comment=comment, **ratings)


def evaluation_close(*, actor: User, evaluation: TermEvaluation) -> TermEvaluation:
    if not permissions.can_manage_evaluation(actor, evaluation):
        raise PermissionDenied("Only the scheme's organisers close term evaluations.")
    with transaction.atomic():
        evaluation = TermEvaluation.objects.select_for_update().get(pk=evaluation.pk)
        if not evaluation.is_open:
            raise ValidationError("This evaluation is already closed.")
        evaluation.closed_at = timezone.now()
        evaluation.save(update_fields=["closed_at"])
    return evaluation
