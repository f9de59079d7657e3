"""The suite runs once per database (see scripts/test.sh): SQLite, MariaDB, PostgreSQL.

Each pass runs the tests that use the database of that pass. Tests that need no
database (marked in_memory) run once, in the SQLite pass; tests that need one
particular database (marked sqlite, mariadb or postgresql) run in that database's pass.
A pass whose database cannot be reached fails: nothing is skipped quietly.
"""

import pytest
from django.conf import settings

PASS_MARKERS = {
    "sqlite": "sqlite",
    "in_memory": "sqlite",
    "browser": "sqlite",
    "mariadb": "mysql",
    "postgresql": "postgresql",
}
EXCLUDING_MARKERS = {"not_postgresql": "postgresql"}


def database_vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return engine.rsplit(".", 1)[-1].replace("sqlite3", "sqlite")


def pytest_report_header(config):
    return f"database pass: {database_vendor()} ({settings.DATABASES['default']['NAME']})"


def pytest_collection_modifyitems(config, items):
    vendor = database_vendor()
    selected, deselected = [], []
    for item in items:
        wanted = {PASS_MARKERS[m.name] for m in item.iter_markers() if m.name in PASS_MARKERS}
        unwanted = {EXCLUDING_MARKERS[m.name] for m in item.iter_markers() if m.name in EXCLUDING_MARKERS}
        if (not wanted or vendor in wanted) and vendor not in unwanted:
            selected.append(item)
        else:
            deselected.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(
    params=[
        pytest.param("popo", marks=pytest.mark.in_memory),
        pytest.param("django", marks=pytest.mark.django_db(transaction=True)),
    ]
)
def persistence(request):
    """Runs a test with events in memory and with events in the pass's database."""
    return request.param
