"""The project's plumbing: persistence selection, the teller login command, the first page."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bankproject.system import persistence_env


@pytest.mark.in_memory
def test_persistence_env_selects_memory_or_the_django_database():
    assert persistence_env("popo")["PERSISTENCE_MODULE"] == "eventsourcing.popo"
    assert persistence_env("django")["PERSISTENCE_MODULE"] == "infrastructure.persistence:Factory"
    assert persistence_env("django")["TRANSCODER_TOPIC"] == "infrastructure.transcoding:OrjsonTranscoder"
    with pytest.raises(ValueError, match="persistence must be one of"):
        persistence_env("postgres")


@pytest.mark.django_db
def test_createteller_prints_a_working_password_once(capsys):
    call_command("createteller", "teller")
    printed = capsys.readouterr().out
    password = printed.split("password: ")[1].split()[0]
    assert get_user_model().objects.get(username="teller").check_password(password)

    call_command("createteller", "teller", "--if-missing")
    assert "password" not in capsys.readouterr().out
    assert get_user_model().objects.get(username="teller").check_password(password)


@pytest.mark.django_db
def test_the_home_page_is_the_accounts_list_behind_a_login(client, django_user_model):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    call_command("createteller", "tina", "--password", "a long password 1")
    # Through the login form: the lockout backend needs the request to count failures.
    assert client.post("/login/", {"username": "tina", "password": "a long password 1"}).status_code == 302
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [("/accounts/", 302)]
    assert b"tina" in response.content


@pytest.mark.django_db
def test_createauditor_makes_a_login_in_the_auditors_group():
    call_command("createauditor", "audrey", "--password", "a long password 1")
    assert list(get_user_model().objects.get(username="audrey").groups.values_list("name", flat=True)) == [
        "auditors"
    ]


@pytest.mark.django_db(transaction=True)
def test_loaddemo_records_a_day_that_the_worker_carries_out(capsys):
    from accounts.models import AccountSummary
    from bankproject.system import BankAccountSystem
    from infrastructure.worker import Worker
    from sagas.models import SagaSummary

    call_command("loaddemo", "--if-empty")
    worker = Worker(BankAccountSystem(read_models=True), persistence_env("django"))
    try:
        worker.process_all_pending()
    finally:
        worker.stop()
    assert AccountSummary.objects.count() == 9
    closed = AccountSummary.objects.get(is_closed=True)
    assert (closed.full_name, closed.balance) == ("Closed Customer", 0)
    assert not SagaSummary.objects.filter(status=SagaSummary.Status.PENDING).exists()
    failures = " ".join(
        SagaSummary.objects.filter(status=SagaSummary.Status.FAILED).values_list("errors", flat=True)
    )
    assert "pay it out before closing" in failures and "is closed" in failures
    call_command("loaddemo", "--if-empty")
    assert "no demo data loaded" in capsys.readouterr().out
    assert AccountSummary.objects.count() == 9


@pytest.mark.django_db
def test_createauditor_says_to_run_itself_again_for_a_new_password(capsys):
    call_command("createauditor", "audrey")
    printed = capsys.readouterr().out
    assert "run createauditor again" in printed and "createteller" not in printed
