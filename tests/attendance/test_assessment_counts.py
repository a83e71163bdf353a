"""Completed assessments count where the requirement shows: the figures table (kept in
the service, repaired nightly), the trainee's progress, the organiser's page about them,
the overview and its exports, and the home pages of trainees and leaders."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance import figures
from attendance.models import TraineeFigure
from attendance.tasks import rebuild_figures
from tests import factories
from tests.attendance.test_exports import overview_url, read_csv
from tests.attendance.test_figures_admin import admin_save
from tests.attendance.test_figures_table import assert_agrees
from tests.factories.assessments import completed, form_of, requested

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def form(scheme, organiser):
    return form_of(scheme, required_per_year=2)


@pytest.fixture
def one_done(trainee, group, form, leader):
    """One completed assessment (of two required this year) and one waiting."""
    done = completed(requested(trainee, group, form), leader)
    waiting = requested(trainee, group, form)
    return done, waiting


def test_completing_updates_the_figures_table(scheme, trainee, one_done):
    stored = assert_agrees(scheme)
    assert stored[trainee.pk]["assessments"] == 1


def test_the_nightly_rebuild_repairs_the_assessment_count(scheme, trainee, one_done):
    TraineeFigure.objects.filter(person=trainee).update(assessments=7)
    assert rebuild_figures() == 1
    assert assert_agrees(scheme)[trainee.pk]["assessments"] == 1


def test_an_assessment_of_last_training_year_is_not_counted(scheme, trainee, one_done):
    scheme.requirement.training_year_starts = 3  # the year now starts on 1 March 2026
    scheme.requirement.save()
    figures.figures_rebuild(scheme=scheme)
    assert assert_agrees(scheme)[trainee.pk]["assessments"] == 0


def test_the_trainees_progress_shows_this_years_assessments(client, trainee, one_done, form):
    client.force_login(trainee)
    page = client.get("/progress/").content.decode()
    assert "Assessments this training year" in page
    assert f"{form.name}: <strong>1</strong> of 2" in page
    assert "/assessments/" in page


def test_progress_says_nothing_of_assessments_without_a_form(client, trainee, group):
    client.force_login(trainee)
    assert "Assessments this training year" not in client.get("/progress/").content.decode()


def test_the_organisers_page_lists_the_trainees_assessments(
    client, scheme, organiser, trainee, one_done, form
):
    done, waiting = one_done
    client.force_login(organiser)
    page = client.get(f"/schemes/{scheme.pk}/trainees/{trainee.pk}/").content.decode()
    assert f"{form.name}: <strong>1</strong> of 2" in page
    assert f'href="/assessments/{done.pk}/"' in page
    assert f'href="/assessments/{waiting.pk}/"' in page
    assert f"Completed by {done.assessor.full_name}" in page


def test_the_overview_shows_the_count_against_what_a_year_asks(
    client, scheme, organiser, trainee, one_done
):
    client.force_login(organiser)
    page = client.get(f"/schemes/{scheme.pk}/overview/").content.decode()
    assert "(this year, of 2)" in page
    assert "<td>1</td>" in page


def test_the_overview_has_no_assessment_column_without_a_form(client, scheme, organiser, trainee):
    client.force_login(organiser)
    assert "this year, of" not in client.get(f"/schemes/{scheme.pk}/overview/").content.decode()


def test_the_export_carries_the_count_and_the_yearly_number(
    client, scheme, organiser, trainee, one_done
):
    client.force_login(organiser)
    header, *body = read_csv(client.get(overview_url(scheme, "csv")))
    assert header[-2:] == ["Assessments this training year", "Assessments required a year"]
    (row,) = [row for row in body if row[1] == trainee.email]
    assert row[-2:] == ["1", "2"]


def test_the_leaders_home_lists_what_is_asked_of_them(client, leader, one_done):
    _, waiting = one_done
    client.force_login(leader)
    page = client.get("/").content.decode()
    assert "Assessments to complete" in page
    assert f'href="/assessments/{waiting.pk}/complete/"' in page


def test_an_overdue_request_says_so_on_the_leaders_home(client, leader, one_done, frozen_now):
    _, waiting = one_done
    frozen_now.shift(60 * 60 * 24 * 20)
    client.force_login(leader)
    assert f"overdue since {waiting.due_on:%-d %b}" in client.get("/").content.decode()


def test_the_trainees_home_lists_assessments_to_read(client, trainee, one_done):
    done, _ = one_done
    client.force_login(trainee)
    page = client.get("/").content.decode()
    assert "Assessments ready to read" in page
    assert f'href="/assessments/{done.pk}/"' in page
    assert "Assessments to complete" not in page


def test_the_progress_page_reads_assessments_in_two_queries_for_any_number(
    client, trainee, group, form, leader
):
    client.force_login(trainee)
    completed(requested(trainee, group, form), leader)
    with CaptureQueriesContext(connection) as one:
        client.get("/progress/")
    for _ in range(3):
        completed(requested(trainee, group, form), leader)
    with CaptureQueriesContext(connection) as four:
        client.get("/progress/")
    assert len(four) == len(one)


def test_staff_moving_the_training_year_in_the_admin_recounts(scheme, trainee, one_done):
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    admin_save(staff, scheme.requirement, training_year_starts=3)
    assert TraineeFigure.objects.get(person=trainee).assessments == 0
