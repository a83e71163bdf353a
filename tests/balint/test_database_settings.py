"""PostgreSQL is told its storage is SSD, so small reads follow indexes."""

from django.db import connection


def test_postgresql_prices_random_reads_as_on_ssd(db, postgres_only):
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        (value,) = cursor.fetchone()

    assert float(value) == 1.1
