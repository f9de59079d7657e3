"""Health that tells the truth: each follower's state, the notification a failing one is
stuck on, and systemstatus's exit codes (0 healthy, 1 stuck or failing, 2 database unreachable)."""

import io
import json
import logging
import os
import socket
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from eventsourcing.persistence import DataError

from accounts.models import AccountSummary
from bankproject.system import BankAccountSystem, persistence_env
from infrastructure.childprocess import database_settings
from infrastructure.models import FollowerState
from infrastructure.projections import ReadModelChanges
from infrastructure.worker import Worker
from tests.worker.conftest import PROJECT_DIR, wait_until


def systemstatus():
    out = io.StringIO()
    try:
        call_command("systemstatus", "--wait", "0", stdout=out)
    except CommandError as error:
        return error.returncode, f"{out.getvalue()}\n{error}"
    return 0, out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_projection_failing_at_the_end_of_its_batch_is_named_and_shown_until_it_recovers(
    bank, monkeypatch, caplog, admin_client
):
    write = ReadModelChanges.write

    def refused_by_the_database(self):
        if any(model is AccountSummary for model in self.added):
            raise DataError("(1406, \"Data too long for column 'email_address' at row 1\")")
        write(self)

    monkeypatch.setattr(ReadModelChanges, "write", refused_by_the_database)
    caplog.set_level(logging.ERROR, logger="bank.worker")
    worker = Worker(BankAccountSystem(read_models=True), persistence_env("django"), poll_interval=0.05)
    worker.start()
    try:
        account = bank.commands.open_account("Alice")
        wait_until(lambda: worker.loops["AccountsProjection"].failures >= 2, message="projection failing")
        opened = bank.accounts.recorder.max_notification_id()
        wait_until(
            lambda: FollowerState.objects.filter(
                application_name="AccountsProjection", state="retrying", notification_id=opened
            ).exists(),
            message="its state recorded",
        )
        failed = [r.getMessage() for r in caplog.records if "AccountsProjection failed" in r.getMessage()]
        assert failed and all(f"on notification {opened} of Accounts" in m for m in failed[1:])
        assert all(
            "Data too long" in r.exc_text or "Data too long" in str(r.exc_info[1])
            for r in caplog.records
            if "AccountsProjection failed" in r.getMessage()
        )

        code, printed = systemstatus()
        assert code == 1
        assert f"read models stopped at notification {opened} of Accounts" in printed
        assert "Data too long for column 'email_address'" in printed

        page = admin_client.get(reverse("admin:dashboard")).content.decode()
        assert f"read models stopped at notification {opened} of Accounts" in page
        assert "Data too long for column" in page

        monkeypatch.setattr(ReadModelChanges, "write", write)
        wait_until(lambda: AccountSummary.objects.filter(account_id=account).exists(), message="recovered")
        wait_until(
            lambda: FollowerState.objects.get(application_name="AccountsProjection").state == "running",
            message="running again",
        )
        assert systemstatus()[0] == 0
    finally:
        worker.stop()
    states = dict(FollowerState.objects.values_list("application_name", "state"))
    assert states == {name: "stopped" for name in worker.names}


@pytest.mark.django_db(transaction=True)
def test_systemstatus_exits_2_with_one_line_when_the_database_is_unreachable(tmp_path):
    database = database_settings()
    if database["ENGINE"].endswith("sqlite3"):
        database["NAME"] = str(tmp_path / "no such folder" / "bank.sqlite3")
    else:
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            database["HOST"], database["PORT"] = "127.0.0.1", closed.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "BANK_TEST_DATABASE": json.dumps(database),
    }
    finished = subprocess.run(
        [sys.executable, "manage.py", "systemstatus", "--wait", "0"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert finished.stdout == ""
    assert finished.stderr.count("\n") == 1
    assert "database unreachable" in finished.stderr
    assert "Traceback" not in finished.stderr
