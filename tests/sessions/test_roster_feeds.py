"""Roster feeds: fetching a URL a trainee gave us (sessions/feeds.py), subscribing and refreshing.

The feeds are served by a real HTTP server on 127.0.0.1, started per test. The
rule "public addresses only" is relaxed for exactly 127.0.0.1/32 in those tests
(ROSTER_FEED_ALLOWED_NETWORKS); other tests check that with the rule in force
127.0.0.1 and private addresses are refused before any connection is made.
"""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from balint.imports import ImportFailed
from sessions.models import OnCallShift, RosterSource
from sessions.rosters import feeds, services, tasks
from tests.factories.rosters import OnCallShiftFactory, dublin, event, ics, utc
from tests.factories.sessions import NOW

FEED = ics(event("DTSTART:20260304T080000Z", "DTEND:20260304T200000Z", "RRULE:FREQ=WEEKLY;COUNT=2"))


pytestmark = pytest.mark.usefixtures("running_now")


@pytest.fixture
def server():
    """A local HTTP server: add routes as path -> function(handler)."""
    routes, requests, release = {}, [], threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self):
            requests.append(self.path)
            route = routes.get(self.path.split("?", 1)[0])
            if route is None:
                self.send_error(404)
            else:
                route(self)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    # Polls every 0.05 s: shutdown() would otherwise wait up to 0.5 s per test.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield SimpleNamespace(url=url, routes=routes, requests=requests, release=release)
    release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def local_feeds_allowed(settings):
    settings.ROSTER_FEED_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.ROSTER_FEED_READ_TIMEOUT = 0.5  # a guard for the slow-server test, not a measurement
    settings.ROSTER_FEED_MAX_BYTES = 100_000
    return settings


@pytest.fixture
def connections(monkeypatch):
    """Every address a feed fetch connects to."""
    made = []
    real = socket.create_connection

    def spy(address, *args, **kwargs):
        made.append(address[0])
        return real(address, *args, **kwargs)

    monkeypatch.setattr(feeds.socket, "create_connection", spy)
    return made


def body(content: bytes, content_type="text/calendar", length=True):
    def respond(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        if length:
            handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    return respond


def redirect(location: str, status: int = 302):
    def respond(handler):
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


def fetch_error(url, **kwargs) -> str:
    with pytest.raises(ImportFailed) as refused:
        feeds.fetch(url, **kwargs)
    return str(refused.value)


# --- Fetching -----------------------------------------------------------------------------------


def test_a_feed_is_fetched(server, local_feeds_allowed, connections):
    server.routes["/feed.ics"] = body(FEED)
    assert feeds.fetch(server.url + "/feed.ics?token=abc") == FEED
    assert server.requests == ["/feed.ics?token=abc"]
    assert connections == ["127.0.0.1"]


def test_redirects_are_followed_and_each_hop_checked(server, local_feeds_allowed, connections):
    server.routes["/old"] = redirect("/newer", 301)
    server.routes["/newer"] = redirect(server.url + "/feed.ics", 307)
    server.routes["/feed.ics"] = body(FEED)

    assert feeds.fetch(server.url + "/old") == FEED
    assert server.requests == ["/old", "/newer", "/feed.ics"]
    assert connections == ["127.0.0.1"] * 3


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/feed.ics",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1:8080/feed.ics",
        "http://[::1]/feed.ics",
        "http://0.0.0.0/feed.ics",
    ],
)
def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    server, local_feeds_allowed, connections, target
):
    server.routes["/feed.ics"] = redirect(target)

    message = fetch_error(server.url + "/feed.ics")

    assert "private or local network address" in message
    assert connections == ["127.0.0.1"]  # only the first hop was ever connected to


def test_too_many_redirects(server, local_feeds_allowed):
    server.routes["/loop"] = redirect("/loop")
    assert "redirected more than 3 times" in fetch_error(server.url + "/loop")
    assert len(server.requests) == feeds.MAX_REDIRECTS + 1


def test_a_redirect_without_a_location(server, local_feeds_allowed):
    server.routes["/feed.ics"] = lambda h: (h.send_response(302), h.end_headers())
    assert "without saying where to go" in fetch_error(server.url + "/feed.ics")


def test_a_feed_that_does_not_answer_times_out(server, local_feeds_allowed):
    def slow(handler):
        server.release.wait(5)  # released when the test ends

    server.routes["/slow.ics"] = slow

    assert "did not answer within 0.5 seconds" in fetch_error(server.url + "/slow.ics")


def test_a_feed_that_stalls_halfway_times_out(server, local_feeds_allowed):
    def stall(handler):
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(FEED[:50])
        handler.wfile.flush()
        server.release.wait(5)

    server.routes["/stall.ics"] = stall

    assert "stopped answering for more than 0.5 seconds" in fetch_error(server.url + "/stall.ics")


def test_a_feed_announced_as_too_large_is_not_read(server, local_feeds_allowed):
    server.routes["/big.ics"] = body(b"x" * 100_001)
    assert "larger than 0.1 MB" in fetch_error(server.url + "/big.ics")


def test_a_streamed_feed_is_cut_off_at_the_cap(server, local_feeds_allowed):
    def endless(handler):
        handler.send_response(200)
        handler.end_headers()
        for _ in range(50):  # 3.2 MB at most; the client stops long before
            try:
                handler.wfile.write(b"y" * 65536)
            except OSError:
                return

    server.routes["/stream.ics"] = endless
    assert "larger than 0.1 MB" in fetch_error(server.url + "/stream.ics")


def test_an_http_error_is_reported(server, local_feeds_allowed):
    assert "answered HTTP 404" in fetch_error(server.url + "/missing.ics")


def test_a_closed_port_is_reported(local_feeds_allowed):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert "could not be reached" in fetch_error(f"http://127.0.0.1:{port}/feed.ics")


def test_with_the_rule_in_force_loopback_is_refused(server, settings, connections):
    settings.ROSTER_FEED_ALLOWED_NETWORKS = []
    server.routes["/feed.ics"] = body(FEED)

    message = fetch_error(server.url + "/feed.ics")

    assert "127.0.0.1 is a private or local network address" in message
    assert connections == []
    assert server.requests == []


@pytest.mark.parametrize(
    "address",
    ["192.168.1.20", "10.1.2.3", "172.16.0.5", "100.64.0.1", "fd00::1", "::ffff:127.0.0.1"],
)
def test_a_host_that_resolves_to_a_private_address_is_refused(settings, connections, address):
    settings.ROSTER_FEED_ALLOWED_NETWORKS = []

    message = fetch_error(
        "https://rota.example.org/feed.ics", resolver=lambda host, port: [address]
    )

    assert f"rota.example.org is a private or local network address ({address})" in message
    assert connections == []


def test_every_address_of_a_host_must_be_public(settings, connections):
    settings.ROSTER_FEED_ALLOWED_NETWORKS = []
    message = fetch_error(
        "https://rota.example.org/feed.ics",
        resolver=lambda host, port: ["93.184.215.14", "127.0.0.1"],
    )
    assert "(127.0.0.1)" in message
    assert connections == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://rota.example.org/feed.ics", "Only http:// and https://"),
        ("file:///etc/passwd", "Only http:// and https://"),
        ("https://user:pass@rota.example.org/feed.ics", "user name or password"),
        ("https:///feed.ics", "no host name"),
        ("https://rota.example.org:99999/feed.ics", "invalid port"),
    ],
)
def test_unusable_addresses(url, message, connections):
    assert message in fetch_error(url, resolver=lambda host, port: ["93.184.215.14"])
    assert connections == []


def test_webcal_means_https():
    assert (
        feeds.normalise_url(" webcal://rota.example.org/a.ics ") == "https://rota.example.org/a.ics"
    )
    assert feeds.normalise_url("WEBCALS://x.org/b") == "https://x.org/b"


def test_messages_never_show_the_query_string(server, local_feeds_allowed):
    message = fetch_error(server.url + "/missing.ics?token=s3cret")
    assert "s3cret" not in message
    assert f"{server.url}/missing.ics" in message


def test_public_and_private_addresses():
    assert feeds.is_public("93.184.215.14")
    assert feeds.is_public("2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    for address in ("127.0.0.1", "10.0.0.1", "169.254.1.1", "::1", "fe80::1", "224.0.0.1"):
        assert not feeds.is_public(address), address
    assert feeds.is_public("127.0.0.1", ["127.0.0.1/32"])
    assert not feeds.is_public("127.0.0.2", ["127.0.0.1/32"])


# --- Subscribing and refreshing -------------------------------------------------------------


def test_subscribing_reads_the_feed_now(server, local_feeds_allowed, trainee):
    server.routes["/me.ics"] = body(FEED)

    result = services.roster_feed_subscribe(
        actor=trainee, url=server.url + "/me.ics?token=abc", name="Rota"
    )

    source = result.source
    assert (source.kind, source.name, source.feed_url) == (
        RosterSource.Kind.FEED,
        "Rota",
        server.url + "/me.ics?token=abc",
    )
    assert source.last_refreshed_at is not None
    assert list(OnCallShift.objects.values_list("starts_at", flat=True)) == [
        utc(2026, 3, 4, 8),
        utc(2026, 3, 11, 8),
    ]


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (body(b"<html>Sign in</html>", "text/html"), "not an iCalendar file"),
        (body(b"BEGIN:VCALENDAR\r\nnonsense\r\nEND:VCALENDAR\r\n"), "not a valid iCalendar"),
        (redirect("http://10.0.0.1/feed.ics"), "private or local network address"),
        (body(b"z" * 100_001), "larger than"),
    ],
)
def test_a_bad_feed_is_refused_and_nothing_is_saved(
    server, local_feeds_allowed, trainee, route, message
):
    server.routes["/me.ics"] = route

    with pytest.raises(ImportFailed, match=message):
        services.roster_feed_subscribe(actor=trainee, url=server.url + "/me.ics")

    assert not RosterSource.objects.exists()
    assert not OnCallShift.objects.exists()


def test_the_same_feed_twice_is_refused(server, local_feeds_allowed, trainee):
    server.routes["/me.ics"] = body(FEED)
    services.roster_feed_subscribe(actor=trainee, url=server.url + "/me.ics")
    with pytest.raises(Exception, match="already subscribe"):
        services.roster_feed_subscribe(actor=trainee, url=server.url + "/me.ics")


def test_refreshing_replaces_the_feeds_shifts(server, local_feeds_allowed, trainee):
    server.routes["/me.ics"] = body(FEED)
    source = services.roster_feed_subscribe(actor=trainee, url=server.url + "/me.ics").source
    server.routes["/me.ics"] = body(
        ics(event("DTSTART:20260320T080000Z", "DTEND:20260320T200000Z"))
    )

    services.roster_feed_refresh(source_id=source.pk)

    assert list(OnCallShift.objects.values_list("starts_at", flat=True)) == [utc(2026, 3, 20, 8)]


def test_a_failed_refresh_keeps_the_old_shifts_and_says_why(server, local_feeds_allowed, trainee):
    server.routes["/me.ics"] = body(FEED)
    source = services.roster_feed_subscribe(actor=trainee, url=server.url + "/me.ics").source
    server.routes["/me.ics"] = redirect("http://169.254.169.254/")

    with pytest.raises(ImportFailed):
        services.roster_feed_refresh(source_id=source.pk)

    source.refresh_from_db()
    assert "private or local network address" in source.last_error
    assert OnCallShift.objects.count() == 2


def test_a_feed_removed_while_it_is_fetched_stays_removed(
    server, local_feeds_allowed, trainee, monkeypatch
):
    """The hourly refresh fetches for seconds; the person unsubscribes (or is erased)
    meanwhile. The refresh must not write the feed it read before back."""
    server.routes["/me.ics"] = body(FEED)
    source = services.roster_feed_subscribe(actor=trainee, url=server.url + "/me.ics").source
    fetch = feeds.fetch

    def fetch_while_removed(url):
        raw = fetch(url)
        services.roster_source_delete(actor=trainee, source=source)
        return raw

    monkeypatch.setattr(feeds, "fetch", fetch_while_removed)

    assert tasks.refresh_roster_feed.delay(source.pk).get() == 0

    assert not RosterSource.objects.exists()
    assert not OnCallShift.objects.exists()


def test_the_beat_refreshes_feeds_not_fetched_lately(server, local_feeds_allowed, trainee):
    server.routes["/me.ics"] = body(FEED)
    fresh = services.roster_feed_subscribe(actor=trainee, url=server.url + "/me.ics").source
    stale = RosterSource.objects.create(
        person=trainee,
        kind=RosterSource.Kind.FEED,
        name="Old",
        feed_url=server.url + "/me.ics?old",
        last_refreshed_at=NOW.replace(year=2025),
    )
    OnCallShiftFactory(source=stale, starts_at=dublin(2026, 5, 1, 8))

    assert tasks.refresh_roster_feeds.delay().get() == 1

    assert server.requests == ["/me.ics", "/me.ics?old"]
    assert stale.shifts.count() == 2
    assert fresh.shifts.count() == 2


def test_a_failed_scheduled_refresh_is_recorded_not_raised(server, local_feeds_allowed, trainee):
    source = RosterSource.objects.create(
        person=trainee, kind=RosterSource.Kind.FEED, name="Gone", feed_url=server.url + "/gone"
    )
    assert tasks.refresh_roster_feed.delay(source.pk).get() == 0
    source.refresh_from_db()
    assert "answered HTTP 404" in source.last_error


# --- Addresses that are not web addresses -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/feed.ics",  # urlsplit raises ValueError
        "http://[not-an-address]/feed.ics",
        "https://rota example.org/feed.ics",
        "https://rota\x00.example.org/feed.ics",
        "https://ex%41mple.org/feed.ics",
        "https://" + "ä" * 70 + ".example/feed.ics",  # a label too long for DNS
        "https://rota.example.org/\ud800.ics",  # a lone surrogate has no UTF-8
        "https://\ud800@rota.example.org/feed.ics",
    ],
)
def test_an_address_that_is_not_a_web_address_is_refused(url, monkeypatch):
    made = []

    def refuse(address, *args, **kwargs):  # never a real connection, whatever the code does
        made.append(address)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(feeds.socket, "create_connection", refuse)

    message = fetch_error(url, resolver=lambda host, port: ["93.184.215.14"])

    assert "That address is not a valid web address" in message
    assert made == []


def test_an_international_address_is_written_as_a_browser_would():
    assert (
        feeds.normalise_url("https://Bücher.example/Straße/ä b.ics?q=ü#x")
        == "https://xn--bcher-kva.example/Stra%C3%9Fe/%C3%A4%20b.ics?q=%C3%BC#x"
    )
    assert feeds.normalise_url("webcal://rota.example.org/a.ics") == (
        "https://rota.example.org/a.ics"
    )


def test_a_feed_with_a_non_ascii_path_is_fetched(server, local_feeds_allowed):
    server.routes["/caf%C3%A9.ics"] = body(FEED)
    assert feeds.fetch(server.url + "/café.ics") == FEED
    assert server.requests == ["/caf%C3%A9.ics"]


def test_a_redirect_to_a_broken_address_is_refused(server, local_feeds_allowed):
    server.routes["/feed.ics"] = redirect("http://[::1/elsewhere")
    assert "redirected to an address that is not a web address" in fetch_error(
        server.url + "/feed.ics"
    )


def test_subscribing_to_a_broken_address_is_refused(trainee):
    with pytest.raises(ImportFailed) as refused:
        services.roster_feed_subscribe(actor=trainee, url="http://[::1/feed.ics")
    assert "That address is not a valid web address" in str(refused.value)
    assert not RosterSource.objects.exists()


# A control character PostgreSQL can store (it refuses NUL in text, so no stored URL has one).
@pytest.mark.parametrize("url", ["http://[::1/feed.ics", "https://rota\x01.example.org/é.ics"])
def test_refreshing_a_broken_address_records_why(trainee, url, connections):
    source = RosterSource.objects.create(
        person=trainee, kind=RosterSource.Kind.FEED, name="Broken", feed_url=url
    )

    with pytest.raises(ImportFailed):
        services.roster_feed_refresh(source_id=source.pk)
    assert tasks.refresh_roster_feed.delay(source.pk).get() == 0

    source.refresh_from_db()
    assert "not a valid web address" in source.last_error
    assert "\x01" not in source.last_error
    assert connections == []
