"""The form a scheme starts from: an assessment of a trainee's part in a group-based case
discussion, in the spirit of the UK's case-based discussion group assessment (CBDGA).
The words are a starting point; each scheme changes them to its college's."""

from attendance.assessments.definition import FormDefinition
from attendance.models import AssessmentForm
from attendance.models.assessments import default_judgements, default_scale


def starting_form() -> FormDefinition:
    return FormDefinition(
        name="Case-based discussion group assessment",
        introduction=(
            "Completed by the group’s leader about the trainee’s part in the group, at a "
            "session they attended or presented at. About the doctor, never the patient."
        ),
        domains=[
            (
                "Attendance and commitment",
                "Attends regularly and on time; takes part in the life of the group.",
            ),
            (
                "Presenting a case",
                "Brings a case that troubles them and tells it so the group can work with it.",
            ),
            (
                "Listening and taking part",
                "Listens to others and offers thoughts and feelings, not only facts or advice.",
            ),
            (
                "The doctor–patient relationship",
                "Attends to the relationship, their own feelings in it and the patient’s.",
            ),
            (
                "Reflection and development",
                "Can consider other views and shows growing understanding over time.",
            ),
        ],
        scale=default_scale(),
        judgements=default_judgements(),
        required_per_year=1,
        assessor=AssessmentForm.Assessor.LEADING,
        days_to_complete=14,
    )
