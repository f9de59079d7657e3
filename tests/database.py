"""What tests need to know about the database of the pass they run in."""

from django.db import connection


def close_connections_left_by_threads() -> None:
    """Ends the sessions that finished threads left open on PostgreSQL.

    Django opens one connection per thread and nothing closes those of a thread
    that has ended; PostgreSQL then refuses to empty or drop the test database.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
