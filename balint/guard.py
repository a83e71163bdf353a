"""The patient-identifier guard for free text: theme names, feedback comments and
assessments.

Balint groups never record clinical content, and a theme is meant to name a
kind of case ("frequent attender"), never a patient. This guard refuses text
that looks like an identifier: a date (of birth), a hospital or
health-service number, or a title with a surname. It is deliberately cautious:
a false alarm costs a rewording, a miss leaves a patient identifiable.
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_TITLES = r"mr|mrs|ms|miss|mx"


@dataclass(frozen=True)
class Pattern:
    kind: str
    regex: re.Pattern
    # Only for titles: the word after the title must start with a capital letter.
    needs_capital: bool = False


PATTERNS = [
    Pattern(
        "a date of birth",
        re.compile(r"\b(?:d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|born\s+on)", re.IGNORECASE),
    ),
    Pattern(
        "a date",
        re.compile(r"(?<![\d/.\-])\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?![\d/.\-])"),
    ),
    Pattern("a date", re.compile(r"(?<![\d/.\-])\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}(?![\d/.\-])")),
    Pattern(
        "a date",
        re.compile(
            rf"\b{_DAY}\s+(?:of\s+)?(?:{MONTHS})\.?,?\s+(?:\d{{4}}|'\d{{2}})\b", re.IGNORECASE
        ),
    ),
    Pattern(
        "a date",
        re.compile(rf"\b(?:{MONTHS})\.?\s+{_DAY},?\s+(?:\d{{4}}|'\d{{2}})\b", re.IGNORECASE),
    ),
    Pattern(
        "an Irish PPS number",
        re.compile(r"(?<![\w])\d{7}[a-w][a-iw]?(?![\w])", re.IGNORECASE),
    ),
    Pattern(
        "an NHS or CHI number",
        re.compile(r"(?<![\d\w])\d{3}[\s\-]\d{3}[\s\-]\d{4}(?![\d\w])"),
    ),
    Pattern(
        "a medical record number",
        re.compile(
            r"\b(?:mrn|hrn|nhs|chi|ihi|ppsn?|hosp(?:ital)?|chart|record|case|patient)"
            r"\s*(?:no\.?|num(?:ber)?|id)?\s*[:#.]?\s*[a-z]{0,3}\d{3,}(?:[\s\-]?\d+)*[a-z]{0,2}\b",
            re.IGNORECASE,
        ),
    ),
    Pattern(
        "a medical record number",
        re.compile(r"(?<![\w])[a-z]{1,3}\d{5,}(?![\w])", re.IGNORECASE),
    ),
    Pattern("a hospital or health-service number", re.compile(r"(?<!\d)\d{6,}(?!\d)")),
    Pattern(
        "a title with a surname",
        re.compile(rf"\b(?:{_TITLES})\b\.?\s+([^\W\d_][\w'’\-]*)", re.IGNORECASE),
        needs_capital=True,
    ),
]


@dataclass(frozen=True)
class Finding:
    kind: str
    text: str

    @property
    def message(self) -> str:
        return (
            f"“{self.text}” looks like {self.kind}, which could identify a patient. "
            "Remove it: describe the kind of case instead, never the patient."
        )


_NEXT_WORD = re.compile(r"\s+([^\W\d_][\w'’\-]*)")


def _with_rest_of_name(text: str, end: int) -> int:
    """Extend a surname over the capitalised words after it ("Ní Bhriain")."""
    while (word := _NEXT_WORD.match(text, end)) and word.group(1)[0].isupper():
        end = word.end()
    return end


def find_identifier(text: str) -> Finding | None:
    """The first thing in `text` that looks like a patient identifier, or None."""
    if not text:
        return None
    for pattern in PATTERNS:
        for match in pattern.regex.finditer(text):
            end = match.end()
            if pattern.needs_capital:
                if not match.group(1)[0].isupper():
                    continue
                end = _with_rest_of_name(text, end)
            return Finding(pattern.kind, text[match.start() : end].strip())
    return None


def no_patient_identifier(value: str) -> None:
    """A validator for model and form fields."""
    finding = find_identifier(value)
    if finding is not None:
        raise ValidationError(finding.message, code="patient_identifier")
