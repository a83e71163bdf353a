"""A form's definition as an organiser writes it, checked before anything is saved, and
the plain-text layout the form page uses: one label or domain a line."""

from dataclasses import dataclass

from attendance.models import AssessmentForm

SCALE_SIZES = range(2, 8)
JUDGEMENT_SIZES = range(2, 6)
DOMAIN_COUNTS = range(1, 13)


@dataclass
class FormDefinition:
    """What an organiser writes to define a form; validated by form_definition_check."""

    name: str
    domains: list[tuple[str, str]]  # (name, descriptor)
    scale: list[str]
    judgements: list[str]
    introduction: str = ""
    required_per_year: int = 1
    assessor: str = AssessmentForm.Assessor.LEADING
    days_to_complete: int = 14


def _labels_problem(labels: list[str], sizes: range, what: str) -> str | None:
    labels = [label.strip() for label in labels]
    if len(labels) not in sizes:
        return f"Give between {sizes.start} and {sizes.stop - 1} {what}, one a line."
    if any(not label for label in labels):
        return f"Every one of the {what} needs words."
    if len({label.casefold() for label in labels}) != len(labels):
        return f"The {what} must all differ."
    if any(len(label) > 100 for label in labels):
        return f"Keep each of the {what} under 100 characters."
    return None


def form_definition_check(definition: FormDefinition) -> dict[str, list[str]]:
    """Every problem with a definition, by field: empty when it can be saved."""
    errors: dict[str, list[str]] = {}
    if not definition.name.strip():
        errors["name"] = ["Give the form a name."]
    elif len(definition.name.strip()) > 100:
        errors["name"] = ["Keep the name under 100 characters."]
    for name, labels, sizes, what in (
        ("scale", definition.scale, SCALE_SIZES, "rating labels"),
        ("judgements", definition.judgements, JUDGEMENT_SIZES, "judgement labels"),
    ):
        if problem := _labels_problem(labels, sizes, what):
            errors[name] = [problem]
    names = [name.strip() for name, _ in definition.domains]
    if len(names) not in DOMAIN_COUNTS:
        errors["domains"] = ["Give between 1 and 12 domains, one a line."]
    elif len({n.casefold() for n in names}) != len(names):
        errors["domains"] = ["Two domains have the same name."]
    if definition.assessor not in AssessmentForm.Assessor.values:
        errors["assessor"] = ["Choose who completes the form."]
    if not 0 <= definition.required_per_year <= 12:
        errors["required_per_year"] = ["Ask for between 0 and 12 a year."]
    if not 1 <= definition.days_to_complete <= 90:
        errors["days_to_complete"] = ["Allow between 1 and 90 days."]
    return errors


def parse_labels(text: str) -> list[str]:
    """One label a line, blank lines ignored."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_domains(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """One domain a line, "Name: descriptor" (the descriptor may be left out). Returns the
    domains and a problem per bad line, named by its number."""
    domains, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, _, descriptor = line.partition(":")
        name, descriptor = name.strip(), descriptor.strip()
        if not name:
            problems.append(f"Line {number}: give the domain a name before the colon.")
        elif len(name) > 100:
            problems.append(f"Line {number}: keep the domain’s name under 100 characters.")
        elif len(descriptor) > 500:
            problems.append(f"Line {number}: keep the descriptor under 500 characters.")
        else:
            domains.append((name, descriptor))
    return domains, problems


def domains_text(domains: list[tuple[str, str]]) -> str:
    return "\n".join(f"{name}: {text}" if text else name for name, text in domains)
