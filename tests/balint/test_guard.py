"""balint/guard.py: text that looks like a patient identifier is refused, themes pass."""

import pytest
from django.core.exceptions import ValidationError

from balint.guard import find_identifier, no_patient_identifier


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        # Dates of birth and dates
        ("seen 12/03/1980", "a date", "12/03/1980"),
        ("12.03.80 admission", "a date", "12.03.80"),
        ("1980-03-12", "a date", "1980-03-12"),
        ("born 12 March 1980", "a date", "12 March 1980"),
        ("3rd of Sept 1975", "a date", "3rd of Sept 1975"),
        ("March 12, 1980", "a date", "March 12, 1980"),
        ("DOB unknown", "a date of birth", "DOB"),
        ("d.o.b. on file", "a date of birth", "d.o.b."),
        ("her date of birth", "a date of birth", "date of birth"),
        # Hospital and health-service numbers
        ("chart 4455667", "a medical record number", "chart 4455667"),
        ("number 123456", "a hospital or health-service number", "123456"),
        ("1234567890", "a hospital or health-service number", "1234567890"),
        ("NHS 123 456 7890", "an NHS or CHI number", "123 456 7890"),
        ("123 456 7890", "an NHS or CHI number", "123 456 7890"),
        ("123-456-7890", "an NHS or CHI number", "123-456-7890"),
        ("PPSN 1234567T", "an Irish PPS number", "1234567T"),
        ("hospital no. 44556", "a medical record number", "hospital no. 44556"),
        ("1234567T", "an Irish PPS number", "1234567T"),
        ("1234567TA", "an Irish PPS number", "1234567TA"),
        ("MRN 123456", "a medical record number", "MRN 123456"),
        ("mrn: 98765", "a medical record number", "mrn: 98765"),
        ("H1234567", "a medical record number", "H1234567"),
        ("see AB123456", "a medical record number", "AB123456"),
        # Title with a surname
        ("Mr Murphy", "a title with a surname", "Mr Murphy"),
        ("Mrs O'Brien again", "a title with a surname", "Mrs O'Brien"),
        ("Ms Ní Bhriain", "a title with a surname", "Ms Ní Bhriain"),
        ("Miss Smith", "a title with a surname", "Miss Smith"),
        ("Mx Doe", "a title with a surname", "Mx Doe"),
        ("Mr. Kelly", "a title with a surname", "Mr. Kelly"),
        ("angry mrs Walsh", "a title with a surname", "mrs Walsh"),
    ],
)
def test_catches_what_looks_like_an_identifier(text, kind, found):
    finding = find_identifier(text)

    assert finding is not None
    assert (finding.kind, finding.text) == (kind, found)


@pytest.mark.parametrize(
    "text",
    [
        "on-call",
        "frequent attender",
        "death of a patient",
        "angry relative",
        "boundaries",
        "breaking bad news",
        "a colleague's mistake",
        "24/7 pressure",
        "covid-19",
        "F2 year",
        "near miss",
        "end of life care",
        "A&E at 3am",
        "self-harm",
        "ward round",
        "Dr Byrne's advice",
        "12 sessions",
        "",
    ],
)
def test_lets_ordinary_themes_through(text):
    assert find_identifier(text) is None
    no_patient_identifier(text)  # no error


def test_the_message_says_what_looked_like_an_identifier():
    with pytest.raises(ValidationError) as caught:
        no_patient_identifier("Mrs O'Brien 12/03/1980")

    message = caught.value.messages[0]
    assert "12/03/1980" in message
    assert "looks like a date" in message
    assert "could identify a patient" in message


def test_the_first_identifier_in_the_text_is_named_by_pattern_order():
    # A date is looked for before a title: the message names the date.
    assert find_identifier("Mr Murphy 1980-03-12").kind == "a date"
