"""`manage.py seed_demo` names the demo scheme's controller and leaves some access-log entries."""

import io

from django.core.management import call_command

from groups.models import AccessLogEntry, Scheme


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def test_the_demo_scheme_has_a_controller_contact_and_access_log(seeded_demo, db, client):
    scheme = Scheme.objects.get()
    assert scheme.controller_name
    assert scheme.privacy_contact == "privacy@example.com"
    assert AccessLogEntry.objects.filter(scheme=scheme).count() == 2
    assert scheme.controller_name in client.get("/privacy/").content.decode()


def test_seeding_twice_adds_no_entries(seeded_demo, db, settings):
    settings.DEBUG = True
    seed()

    assert AccessLogEntry.objects.count() == 2
