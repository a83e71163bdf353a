"""balint.ratelimit.client_ip: the address every rate limit counts against."""

import ipaddress

import pytest
from allauth.account.adapter import get_adapter
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory, override_settings
from hypothesis import given
from hypothesis import strategies as st

from balint.ratelimit import client_ip

PROXY = "10.0.0.2"


def request(xff=None, remote_addr=PROXY):
    meta = {"REMOTE_ADDR": remote_addr}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **meta)


@pytest.fixture
def proxies(settings):
    """Set how many proxies are trusted; no network restriction unless a test adds one."""
    settings.TRUSTED_PROXY_NETWORKS = []

    def trust(count):
        settings.TRUSTED_PROXY_COUNT = count

    return trust


def test_without_a_trusted_proxy_the_header_is_ignored(proxies):
    proxies(0)
    assert client_ip(request("198.51.100.7")) == PROXY


def test_one_proxy_gives_the_address_it_appended(proxies):
    proxies(1)
    assert client_ip(request("198.51.100.7")) == "198.51.100.7"


def test_entries_a_client_wrote_to_the_left_are_ignored(proxies):
    proxies(1)
    assert client_ip(request("6.6.6.6, 7.7.7.7, 198.51.100.7")) == "198.51.100.7"


def test_two_proxies_give_the_address_the_outer_one_saw(proxies):
    proxies(2)
    # client forged 6.6.6.6; the outer proxy saw 198.51.100.7; the inner saw the outer.
    assert client_ip(request("6.6.6.6, 198.51.100.7, 10.0.0.9")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("count", "xff"),
    [
        (1, None),  # no header: someone reached gunicorn directly
        (1, ""),
        (1, " "),
        (1, "198.51.100.7, "),  # the trusted position is empty
        (1, "not-an-address"),
        (1, "198.51.100.7:443"),  # a port is not an address
        (1, "198.51.100.300"),
        (2, "198.51.100.7"),  # shorter than the proxies promised
        (3, "198.51.100.7, 10.0.0.9"),
    ],
)
def test_a_short_or_malformed_header_falls_back_to_the_peer(proxies, count, xff):
    proxies(count)
    assert client_ip(request(xff)) == PROXY


def test_spaces_around_an_entry_are_allowed(proxies):
    proxies(2)
    assert client_ip(request("6.6.6.6 ,  198.51.100.7 ,10.0.0.9")) == "198.51.100.7"


def test_ipv6_addresses_are_read_in_one_spelling(proxies):
    proxies(1)
    assert client_ip(request("2001:DB8:0:0::1", remote_addr="fd00::2")) == "2001:db8::1"
    assert client_ip(request("6.6.6.6, 2001:db8::1")) == "2001:db8::1"


def test_the_header_is_believed_only_from_a_trusted_network(proxies, settings):
    proxies(1)
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/24", "fd00::/8"]

    assert client_ip(request("198.51.100.7")) == "198.51.100.7"
    assert client_ip(request("198.51.100.7", remote_addr="fd00::2")) == "198.51.100.7"
    # A client reaching gunicorn directly cannot pick its address.
    assert client_ip(request("198.51.100.7", remote_addr="203.0.113.66")) == "203.0.113.66"


def test_a_mistyped_network_is_reported(proxies, settings):
    proxies(1)
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/33"]
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_NETWORKS"):
        client_ip(request("198.51.100.7"))


def test_without_a_peer_address_there_is_still_a_key(proxies):
    proxies(1)
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="")) == "unknown"


def test_allauth_asks_the_same_function(proxies):
    proxies(1)
    assert get_adapter().get_client_ip(request("6.6.6.6, 198.51.100.7")) == "198.51.100.7"


def canonical(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


entry = st.one_of(
    st.ip_addresses().map(str),
    st.ip_addresses().map(lambda a: f" {str(a).upper()} "),
    st.text(max_size=12),
)
header = st.one_of(st.text(), st.lists(entry, max_size=5).map(",".join))


@given(xff=header, count=st.integers(min_value=0, max_value=3))
def test_any_header_gives_the_peer_or_the_trusted_entry(xff, count):
    with override_settings(TRUSTED_PROXY_COUNT=count, TRUSTED_PROXY_NETWORKS=[]):
        address = client_ip(request(xff))

    entries = xff.split(",")
    trusted = canonical(entries[-count]) if 0 < count <= len(entries) else None
    assert address == (trusted or PROXY)
