"""Events already stored must still load when the domain's classes change shape.

The fixture holds the stored events of one of each kind of request (a refused
withdrawal, a refunded transfer, a request about no account among them), as the
code before commands and sagas were declared by their attributes recorded them,
with what that code said of each aggregate. They are loaded into new applications
and must say the same.
"""

import json
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from accounts.application import Accounts
from bankproject.system import persistence_env
from sagas.application import Commands, Sagas
from sagas.requests import kind_of

pytestmark = pytest.mark.in_memory

FIXTURE = json.loads((Path(__file__).parent / "data" / "events_before_declared_requests.json").read_text())


def stored_events(application_name):
    return [
        StoredEvent(
            originator_id=UUID(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=row["state"].encode(),
        )
        for row in FIXTURE["events"][application_name]
    ]


def loaded(app_class):
    app = app_class(env=persistence_env("popo"))
    app.recorder.insert_events(stored_events(app.name))
    return app


def test_every_stored_event_still_decodes():
    for app_class in (Commands, Sagas, Accounts):
        app = loaded(app_class)
        notifications = app.recorder.select_notifications(start=1, limit=1000)
        assert len(notifications) == len(FIXTURE["events"][app.name])
        for notification in notifications:
            assert app.mapper.to_domain_event(notification).originator_id == notification.originator_id


def test_commands_say_what_was_asked_as_before():
    commands = loaded(Commands)
    for command_id, expected in FIXTURE["expected"]["Commands"].items():
        command = commands.get_command(UUID(command_id))
        assert {k: str(v) for k, v in command.request.items()} == expected["request"]
        assert (command.request_id, command.submitted_by) == (
            expected["request_id"],
            expected["submitted_by"],
        )
        assert kind_of(command).command is type(command)


def test_sagas_end_as_they_did():
    sagas = loaded(Sagas)
    assert len(FIXTURE["expected"]["Sagas"]) == 11
    for saga_id, expected in FIXTURE["expected"]["Sagas"].items():
        saga = sagas.get_saga(UUID(saga_id))
        assert type(saga).__name__ == expected["kind"]
        assert (saga.has_succeeded, saga.has_failed) == (expected["has_succeeded"], expected["has_errored"])
        assert saga.has_errored == saga.has_failed  # the Python API's name for it
        assert [repr(error) for error in saga.errors] == expected["errors"]
        assert saga.awaiting == expected["awaiting"]


def test_accounts_hold_what_they_held():
    accounts = loaded(Accounts)
    for account_id, expected in FIXTURE["expected"]["Accounts"].items():
        account = accounts.get_account(UUID(account_id))
        assert (str(account.balance), str(account.overdraft_limit), account.is_closed) == (
            expected["balance"],
            expected["overdraft_limit"],
            expected["is_closed"],
        )
