"""Sign-in and /verify/ limits behind the proxy: they count failures per person's
address (TRUSTED_PROXY_COUNT), never successes, and never a forged header."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from tests import factories
from tests.factories.certificates import CertificateFactory

TOO_MANY = "Too many failed login attempts. Try again later."
PROXY = "10.0.0.2"
HOSPITAL = "198.51.100.20"  # one NAT address for a whole hospital
FAILURES_PER_ADDRESS = 10  # LOGIN_FAILED_RATE_LIMIT default: 10/m/ip


# Frozen and moved by hand: everything below happens within one minute,
# whatever the machine's speed.
pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def sign_in(frozen_now):
    """Signs in from a fresh browser: returns the response and who it is signed in as."""

    def sign_in(login, password, *, xff=None, remote_addr=PROXY):
        # allauth un-counts a success by its timestamp, so it must not share one
        # with the failures before it. At 100 ms apart, 500 sign-ins fit in a minute.
        frozen_now.shift(0.1)
        client = Client()
        headers = {"REMOTE_ADDR": remote_addr}
        if xff is not None:
            headers["HTTP_X_FORWARDED_FOR"] = xff
        response = client.post(
            "/accounts/login/", {"login": login, "password": password}, **headers
        )
        signed_in = client.session.get(SESSION_KEY)
        return response, int(signed_in) if signed_in else None

    return sign_in


def refused_for_too_many(response) -> bool:
    """allauth refuses a throttled sign-in with the form again (200), not a 429."""
    return response.status_code == 200 and TOO_MANY in response.content.decode()


def fail_from(sign_in, count, *, xff=lambda n: HOSPITAL, remote_addr=PROXY):
    """`count` failed sign-ins, each for a different unknown email (so only the
    per-address limit can engage); returns the last response."""
    for n in range(count):
        response, _ = sign_in(
            f"nobody{n}@example.org", "wrong", xff=xff(n), remote_addr=remote_addr
        )
    return response


def test_a_hundred_people_through_the_proxy_all_sign_in(db, sign_in, behind_proxy):
    people = factories.UserFactory.create_batch(100)

    results = [
        sign_in(person.email, factories.PASSWORD, xff=f"198.51.100.{n + 1}")
        for n, person in enumerate(people)
    ]

    assert [r.status_code for r, _ in results] == [302] * 100
    assert [who for _, who in results] == [person.pk for person in people]


def test_a_hundred_people_behind_one_hospital_address_all_sign_in(db, sign_in, behind_proxy):
    people = factories.UserFactory.create_batch(100)

    results = [sign_in(person.email, factories.PASSWORD, xff=HOSPITAL) for person in people]

    assert [r.status_code for r, _ in results] == [302] * 100
    assert [who for _, who in results] == [person.pk for person in people]


def test_people_who_mistype_once_do_not_lock_out_the_country(db, sign_in, behind_proxy):
    people = factories.UserFactory.create_batch(30)

    signed_in = []
    for n, person in enumerate(people):
        xff = f"198.51.100.{n + 1}"
        sign_in(person.email, "mistyped", xff=xff)
        signed_in.append(sign_in(person.email, factories.PASSWORD, xff=xff)[1])

    assert signed_in == [person.pk for person in people]


def test_failures_from_one_address_are_throttled_not_its_neighbours(db, sign_in, behind_proxy):
    person = factories.UserFactory()

    last_allowed = fail_from(sign_in, FAILURES_PER_ADDRESS)
    throttled, _ = sign_in("nobody-else@example.org", "wrong", xff=HOSPITAL)
    same_address, who_here = sign_in(person.email, factories.PASSWORD, xff=HOSPITAL)
    elsewhere, who_elsewhere = sign_in(person.email, factories.PASSWORD, xff="203.0.113.9")

    assert not refused_for_too_many(last_allowed)
    assert refused_for_too_many(throttled)
    assert refused_for_too_many(same_address)
    assert who_here is None
    assert elsewhere.status_code == 302
    assert who_elsewhere == person.pk


def test_a_forged_header_without_a_trusted_proxy_changes_nothing(db, sign_in, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    person = factories.UserFactory()

    fail_from(
        sign_in, FAILURES_PER_ADDRESS, xff=lambda n: f"192.0.2.{n + 1}", remote_addr="203.0.113.66"
    )
    forged, who = sign_in(
        person.email, factories.PASSWORD, xff="192.0.2.200", remote_addr="203.0.113.66"
    )

    assert refused_for_too_many(forged)
    assert who is None


def test_a_forged_header_from_outside_the_proxy_network_changes_nothing(db, sign_in, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/24"]
    person = factories.UserFactory()

    fail_from(
        sign_in, FAILURES_PER_ADDRESS, xff=lambda n: f"192.0.2.{n + 1}", remote_addr="203.0.113.66"
    )
    direct, who_direct = sign_in(
        person.email, factories.PASSWORD, xff="192.0.2.200", remote_addr="203.0.113.66"
    )
    proxied, who_proxied = sign_in(person.email, factories.PASSWORD, xff="192.0.2.200")

    assert refused_for_too_many(direct)
    assert who_direct is None
    assert proxied.status_code == 302
    assert who_proxied == person.pk


# --- /verify/<code>/ --------------------------------------------------------


@pytest.fixture
def verify_url(db, settings):
    settings.VERIFY_RATE_LIMIT_PER_MINUTE = 3
    return f"/verify/{CertificateFactory().display_code}/"


def check(url, *, xff, remote_addr=PROXY):
    return Client().get(url, REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=xff).status_code


def test_verify_behind_the_proxy_limits_each_client_on_its_own(verify_url, behind_proxy):
    first = [check(verify_url, xff="198.51.100.7") for _ in range(4)]
    second = check(verify_url, xff="198.51.100.8")

    assert first == [200, 200, 200, 429]
    assert second == 200


def test_verify_without_a_trusted_proxy_ignores_a_forged_header(verify_url, settings):
    settings.TRUSTED_PROXY_COUNT = 0

    statuses = [
        check(verify_url, xff=f"192.0.2.{n + 1}", remote_addr="203.0.113.66") for n in range(4)
    ]

    assert statuses == [200, 200, 200, 429]


# --- Failures against one person's email (ACCOUNT_RATE_LIMITS policy) -------

ATTACKER = "192.0.2.66"


def attack(sign_in, email, count, *, xff=ATTACKER):
    """`count` wrong passwords for `email`; returns how many were refused unchecked."""
    return sum(refused_for_too_many(sign_in(email, "guess", xff=xff)[0]) for _ in range(count))


def test_fifty_failures_from_one_address_are_throttled_not_the_leader_elsewhere(
    leader, sign_in, behind_proxy
):
    refused = attack(sign_in, leader.email, 50)
    attacker_with_the_password, who_there = sign_in(leader.email, factories.PASSWORD, xff=ATTACKER)
    at_work, who_at_work = sign_in(leader.email, factories.PASSWORD, xff="198.51.100.7")

    assert refused == 45  # five passwords checked, then 5 minutes' wait
    assert refused_for_too_many(attacker_with_the_password)
    assert who_there is None
    assert at_work.status_code == 302
    assert who_at_work == leader.pk


def test_the_wait_grows_for_an_address_that_keeps_failing(
    leader, sign_in, behind_proxy, frozen_now
):
    checked = []
    for _ in range(5):  # five rounds of ten guesses, five minutes apart
        checked.append(10 - attack(sign_in, leader.email, 10))
        frozen_now.shift(5 * 60)

    assert checked == [5, 5, 0, 0, 0]  # 10 an hour: the rest of the hour waits
    frozen_now.shift(60 * 60)
    assert attack(sign_in, leader.email, 10) == 5  # a new hour, five more...
    frozen_now.shift(60 * 60)
    assert attack(sign_in, leader.email, 10) == 5
    frozen_now.shift(60 * 60)
    assert attack(sign_in, leader.email, 10) == 10  # ...until 20 in a day: wait a day


def test_many_addresses_against_one_email_meet_a_ceiling(leader, sign_in, behind_proxy, frozen_now):
    """login_failed_account: 30 failures an hour for one email, whatever the addresses."""
    checked = [
        not refused_for_too_many(sign_in(leader.email, "guess", xff=f"192.0.2.{n + 1}")[0])
        for n in range(40)
    ]
    blocked, who = sign_in(leader.email, factories.PASSWORD, xff="198.51.100.7")

    assert checked == [True] * 30 + [False] * 10
    assert refused_for_too_many(blocked)
    assert who is None  # the emailed code still works: tests/balint/test_login_by_code.py
    frozen_now.shift(60 * 60)
    assert sign_in(leader.email, factories.PASSWORD, xff="198.51.100.7")[1] == leader.pk


def test_successes_do_not_count_towards_the_ceiling(leader, sign_in, behind_proxy):
    """A guard on groups.adapters rolling back the per-account count on success."""
    for n in range(40):
        assert sign_in(leader.email, factories.PASSWORD, xff=f"192.0.2.{n + 1}")[1] == leader.pk
