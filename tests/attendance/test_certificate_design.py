"""`/schemes/<pk>/certificates/design/`: the organiser uploads or removes the scheme's mark and
says whether the leader signs. Uploads are untrusted: whatever is posted, the page answers
(never a server error) and stores a mark only when it is a valid picture."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from attendance.certificate_services import MARK_MAX_BYTES
from attendance.models import Requirement
from tests.access import access, assert_sign_in_first


def url(scheme) -> str:
    return f"/schemes/{scheme.pk}/certificates/design/"


def picture(fmt: str = "PNG", size=(400, 160), mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (31, 59, 87, 255)[: len(mode)]).save(out, fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "mark.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored(scheme) -> Requirement:
    return Requirement.objects.get(scheme=scheme)


@pytest.mark.parametrize(("role", "status"), access(organiser=200))
def test_only_the_schemes_organisers_see_it(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_only_the_schemes_organisers_change_it(scheme, status, signed_in):
    response = signed_in.post(url(scheme), {"mark": upload(picture()), "leader_signs": "on"})

    assert response.status_code == status
    changed = stored(scheme)
    assert bool(changed.certificate_mark) == (status == 302)
    assert changed.certificate_leader_signs == (status == 302)


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))
    assert_sign_in_first(client, url(scheme), method="post", data={"leader_signs": "on"})
    assert not stored(scheme).certificate_leader_signs


def test_the_organiser_uploads_a_mark_and_sees_it(client, scheme, organiser):
    client.force_login(organiser)

    response = client.post(
        url(scheme), {"mark": upload(picture("JPEG", mode="RGB"), "logo.jpg", "image/jpeg")}
    )

    assert response.status_code == 302
    assert response["Location"] == url(scheme)
    mark = bytes(stored(scheme).certificate_mark)
    assert mark.startswith(b"\x89PNG")  # re-encoded, whatever came in
    page = client.get(url(scheme)).content.decode()
    assert "Saved: every certificate printed from now on has this design." in page
    assert 'src="data:image/png;base64,' in page
    assert "Remove the mark" in page


def test_the_organiser_removes_the_mark(client, scheme, organiser):
    Requirement.objects.filter(scheme=scheme).update(certificate_mark=picture())
    client.force_login(organiser)

    response = client.post(url(scheme), {"remove_mark": "on"})

    assert response.status_code == 302
    assert bytes(stored(scheme).certificate_mark) == b""
    page = client.get(url(scheme)).content.decode()
    assert "None: certificates print the scheme’s name alone." in page
    assert "Remove the mark" not in page  # nothing to remove


def test_leader_signing_is_switched_on_and_off(client, scheme, organiser):
    client.force_login(organiser)

    client.post(url(scheme), {"leader_signs": "on"})
    assert stored(scheme).certificate_leader_signs
    assert client.get(url(scheme)).context["form"]["leader_signs"].value() is True

    client.post(url(scheme), {})
    assert not stored(scheme).certificate_leader_signs


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a" + bytes(64), "mark.gif", "This file is not a PNG or JPEG picture."),
        (picture(size=(10, 10)), "tiny.png", "a mark needs at least 32 pixels each way"),
        (picture()[:60], "cut.png", "This picture is damaged and cannot be read."),
        (bytes(MARK_MAX_BYTES + 1), "huge.png", "The file is 1.0 MB: a mark may be at most 1 MB."),
    ],
    ids=["gif", "too-small", "truncated", "over-1-mb"],
)
def test_a_refused_upload_says_what_is_wrong_and_keeps_the_old_mark(
    client, scheme, organiser, data, name, message
):
    Requirement.objects.filter(scheme=scheme).update(certificate_mark=picture())
    client.force_login(organiser)

    response = client.post(url(scheme), {"mark": upload(data, name), "leader_signs": "on"})

    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    assert 'aria-invalid="true"' in content or "is-invalid" in content
    assert bytes(stored(scheme).certificate_mark) == picture()
    assert not stored(scheme).certificate_leader_signs  # nothing of a refused form is saved


def test_a_new_mark_and_removing_it_at_once_is_refused(client, scheme, organiser):
    Requirement.objects.filter(scheme=scheme).update(certificate_mark=picture())
    client.force_login(organiser)

    response = client.post(url(scheme), {"mark": upload(picture()), "remove_mark": "on"})

    assert response.status_code == 400
    assert "Choose a new mark or remove it, not both." in response.content.decode()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.binary(max_size=2048), name=st.sampled_from(["a.png", "a.jpg", "a.svg", "a"]))
def test_whatever_is_posted_the_page_answers_and_stores_only_pictures(
    client, scheme, organiser, data, name
):
    Requirement.objects.filter(scheme=scheme).update(certificate_mark=b"")
    client.force_login(organiser)

    response = client.post(url(scheme), {"mark": upload(data, name)})

    assert response.status_code in (302, 400)
    mark = bytes(stored(scheme).certificate_mark)
    if response.status_code == 400:
        assert mark == b""
    else:
        assert Image.open(io.BytesIO(mark)).format == "PNG"


def test_the_certificates_page_links_to_it(client, scheme, organiser):
    client.force_login(organiser)

    assert url(scheme) in client.get(f"/schemes/{scheme.pk}/certificates/").content.decode()


def test_the_page_runs_a_fixed_number_of_queries(
    client, scheme, organiser, django_assert_max_num_queries
):
    Requirement.objects.filter(scheme=scheme).update(certificate_mark=picture())
    client.force_login(organiser)

    with django_assert_max_num_queries(8):
        assert client.get(url(scheme)).status_code == 200
