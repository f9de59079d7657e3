import pytest
from django.contrib.auth.models import Group

from accounts.models import AccountSummary
from bankproject.system import BankAccountSystem, persistence_env, recorded_commands
from infrastructure.worker import Worker


@pytest.fixture
def carry_out(transactional_db):
    """Does the worker's job in this process: carries out every recorded request."""
    worker = Worker(BankAccountSystem(read_models=True), persistence_env("django"))
    yield worker.process_all_pending
    worker.stop()


def login(client, django_user_model, username, group):
    user = django_user_model.objects.create_user(username, password="a long password 1")
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    client.force_login(user)
    return client


@pytest.fixture
def teller(client, django_user_model, transactional_db):
    return login(client, django_user_model, "tina", "tellers")


@pytest.fixture
def auditor(client, django_user_model, transactional_db):
    return login(client, django_user_model, "audrey", "auditors")


@pytest.fixture
def accounts(carry_out):
    """Two open accounts with money in the first, and a closed one."""
    commands = recorded_commands()
    alice = commands.open_account("Alice Smith", "alice@example.com")
    commands.open_account("Bob Jones", "bob@example.com")
    carol = commands.open_account("Carol Closed")
    commands.deposit_funds(alice, "100.00")
    commands.close_account(carol)
    carry_out()
    return {s.full_name.split()[0].lower(): s for s in AccountSummary.objects.all()}


def commands_recorded():
    return recorded_commands().recorder.max_notification_id()
