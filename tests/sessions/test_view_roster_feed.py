"""`/rosters/feed/`: subscribing to a calendar feed. Fetching itself: test_roster_feeds.py."""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sessions.models import OnCallShift, RosterSource
from tests.access import assert_sign_in_first
from tests.factories.rosters import event, ics

URL = "/rosters/feed/"
FEED = ics(event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z"))


pytestmark = pytest.mark.usefixtures("running_now")


@pytest.fixture
def feed_url(settings):
    """A feed served on 127.0.0.1, which the test allows; /private redirects to 10.0.0.1."""
    settings.ROSTER_FEED_ALLOWED_NETWORKS = ["127.0.0.1/32"]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/private"):
                self.send_response(302)
                self.send_header("Location", "http://10.0.0.1/feed.ics")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(FEED)))
            self.end_headers()
            self.wfile.write(FEED)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # Polls every 0.05 s: shutdown() would otherwise wait up to 0.5 s per test.
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_anonymous_is_sent_to_sign_in(client):
    assert_sign_in_first(client, URL)


@pytest.mark.parametrize("role", ["trainee", "leader", "organiser", "other_scheme_organiser"])
def test_everyone_signed_in_sees_the_form(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(URL).status_code == 200


def test_subscribing(client, trainee, feed_url):
    client.force_login(trainee)

    response = client.post(URL, {"url": feed_url + "/me.ics?token=abc", "name": "Rota"})

    assert response.status_code == 302
    source = RosterSource.objects.get()
    assert (source.person, source.kind, source.name) == (trainee, RosterSource.Kind.FEED, "Rota")
    assert OnCallShift.objects.get().person == trainee


def test_a_feed_that_redirects_to_a_private_address_is_refused(client, trainee, feed_url):
    client.force_login(trainee)

    response = client.post(URL, {"url": feed_url + "/private"})

    assert response.status_code == 400
    assert "private or local network address (10.0.0.1)" in response.content.decode()
    assert not RosterSource.objects.exists()


def test_with_the_rule_in_force_a_local_feed_is_refused(client, trainee, feed_url, settings):
    settings.ROSTER_FEED_ALLOWED_NETWORKS = []
    client.force_login(trainee)
    response = client.post(URL, {"url": feed_url + "/me.ics"})
    assert response.status_code == 400
    assert "127.0.0.1 is a private or local network address" in response.content.decode()


def test_refreshing_now(client, trainee, feed_url):
    client.force_login(trainee)
    client.post(URL, {"url": feed_url + "/me.ics"})
    source = RosterSource.objects.get()

    response = client.post(f"/rosters/{source.pk}/refresh/", follow=True)

    assert "1 shift saved" in response.content.decode()
    assert OnCallShift.objects.count() == 1


@pytest.mark.parametrize(
    "url", ["http://[::1/feed.ics", "https://rota example.org/x.ics", "https://ä..example/"]
)
def test_an_address_that_is_not_a_web_address_gets_a_sentence(client, trainee, url, monkeypatch):
    def offline(*args, **kwargs):  # no DNS lookup, whatever the code does
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    client.force_login(trainee)

    response = client.post(URL, {"url": url})

    assert response.status_code == 400
    assert "That address is not a valid web address" in response.content.decode()
    assert not RosterSource.objects.exists()


def test_subscribing_to_an_address_with_accents(client, trainee, feed_url):
    client.force_login(trainee)

    response = client.post(URL, {"url": feed_url + "/café.ics?for=Zoë"})

    assert response.status_code == 302
    assert RosterSource.objects.get().feed_url == feed_url + "/caf%C3%A9.ics?for=Zo%C3%AB"
    assert OnCallShift.objects.get().person == trainee


def test_refreshing_a_feed_whose_address_is_broken(client, trainee):
    source = RosterSource.objects.create(
        person=trainee, kind=RosterSource.Kind.FEED, name="Old", feed_url="http://[::1/feed.ics"
    )
    client.force_login(trainee)

    response = client.post(f"/rosters/{source.pk}/refresh/", follow=True)

    assert response.status_code == 200
    assert "Not refreshed" in response.content.decode()
    assert "That address is not a valid web address" in response.content.decode()
