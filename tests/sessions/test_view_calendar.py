"""`/calendar/`: a person's private feed address, the links that subscribe to it in their
calendar app, Google Calendar or Outlook, and a copy button (static/js/copy.js)."""

from urllib.parse import parse_qs, urlsplit

import pytest

from sessions.calendar.links import subscribe_links
from sessions.models import CalendarToken
from tests.access import assert_sign_in_first

URL = "/calendar/"


def address_of(person) -> str:
    return f"http://testserver/calendar/{CalendarToken.objects.get(person=person).token}.ics"


def test_anonymous_is_sent_to_sign_in(client):
    assert_sign_in_first(client, URL)


@pytest.mark.parametrize(
    "role", ["trainee", "leader", "other_group_leader", "organiser", "other_scheme_organiser"]
)
def test_everyone_signed_in_gets_their_own_address(client, request, role):
    person = request.getfixturevalue(role)
    client.force_login(person)

    response = client.get(URL)

    assert response.status_code == 200
    assert response.context["links"].address == address_of(person)
    assert CalendarToken.objects.count() == 1


def test_the_address_is_stable_until_reset(client, trainee):
    client.force_login(trainee)
    first = client.get(URL).context["links"].address
    assert client.get(URL).context["links"].address == first

    client.post(URL)

    assert client.get(URL).context["links"].address != first


def test_the_links_carry_the_feed_address_encoded(client, trainee):
    client.force_login(trainee)
    content = client.get(URL).content.decode()
    address = address_of(trainee)
    webcal = "webcal://" + address.removeprefix("http://")
    token = address.rsplit("/", 1)[1].removesuffix(".ics")
    encoded_webcal = f"webcal%3A%2F%2Ftestserver%2Fcalendar%2F{token}.ics"
    encoded_address = f"http%3A%2F%2Ftestserver%2Fcalendar%2F{token}.ics"

    assert f'href="{webcal}"' in content
    assert f'href="https://calendar.google.com/calendar/r?cid={encoded_webcal}"' in content
    for host in ("outlook.live.com", "outlook.office.com"):
        outlook = f"https://{host}/calendar/0/addfromweb?url={encoded_address}&amp;name=Balint"
        assert f'href="{outlook}"' in content


@pytest.mark.parametrize("scheme", ["https", "http"])
def test_each_link_opens_the_same_feed(scheme):
    address = f"{scheme}://balint.example.org/calendar/a-b_c.ics"

    links = subscribe_links(address, name="Balint sessions")

    assert links.webcal == "webcal://balint.example.org/calendar/a-b_c.ics"
    google = urlsplit(links.google)
    assert (google.netloc, google.path) == ("calendar.google.com", "/calendar/r")
    assert parse_qs(google.query) == {"cid": [links.webcal]}
    for link, host in (
        (links.outlook_com, "outlook.live.com"),
        (links.outlook_365, "outlook.office.com"),
    ):
        outlook = urlsplit(link)
        assert (outlook.netloc, outlook.path) == (host, "/calendar/0/addfromweb")
        assert parse_qs(outlook.query) == {"url": [address], "name": ["Balint sessions"]}
        assert "name=Balint%20sessions" in outlook.query  # a space as %20, not +


def test_the_address_is_selectable_and_the_copy_button_comes_with_its_script(client, trainee):
    """Without JavaScript the address is still there to select; the button is hidden until
    static/js/copy.js (no inline script: the CSP forbids it) finds the clipboard."""
    client.force_login(trainee)

    content = client.get(URL).content.decode()

    assert (
        f'id="feed-url" class="form-control" type="text" readonly value="{address_of(trainee)}"'
        in content
    )
    button = content.split('data-copy="feed-url"', 1)[1].split("</button>", 1)[0]
    assert button == ' data-copied="copy-status" hidden>Copy'
    assert '<script src="/static/js/copy.js" defer></script>' in content
    assert "<script>" not in content
