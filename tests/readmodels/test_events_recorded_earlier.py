"""Events stored by earlier code are projected as the events they load as.

The fixture's stored events (tests/persistence/data) include sagas that failed when a
saga's failure was recorded as "Errored"; the requests projection chooses its events by
topic, so it must ask for that topic too, or a rebuild would leave them pending.
"""

import io
from uuid import UUID

import pytest
from django.core.management import call_command

from accounts.application import Accounts
from accounts.models import AccountSummary
from bankproject.system import persistence_env
from sagas.application import Commands, Sagas
from sagas.models import SagaSummary
from tests.persistence.test_events_recorded_earlier import FIXTURE, stored_events

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_rebuild_projects_every_request_of_events_recorded_earlier_as_it_ended():
    for app_class in (Commands, Sagas, Accounts):
        app = app_class(env=persistence_env("django"))
        app.recorder.insert_events(stored_events(app.name))
        app.close()
    call_command("rebuild_read_models", stdout=io.StringIO())

    statuses = dict(SagaSummary.objects.values_list("saga_id", "status"))

    def status(saga):
        return "failed" if saga["has_errored"] else "succeeded" if saga["has_succeeded"] else "pending"

    expected = {UUID(saga_id): status(saga) for saga_id, saga in FIXTURE["expected"]["Sagas"].items()}
    assert "failed" in expected.values()
    assert statuses == expected
    balances = {str(a.account_id): str(a.balance) for a in AccountSummary.objects.all()}
    assert balances == {account_id: a["balance"] for account_id, a in FIXTURE["expected"]["Accounts"].items()}
