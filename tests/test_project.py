"""The project's plumbing: persistence selection, the teller login command, the first page."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bankproject.system import persistence_env


@pytest.mark.in_memory
def test_persistence_env_selects_memory_or_the_django_database():
    assert persistence_env("popo") == {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    assert persistence_env("django") == {"PERSISTENCE_MODULE": "bankproject.persistence:Factory"}
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
def test_pages_need_a_login(client, django_user_model):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    user = django_user_model.objects.create_user("teller", password="a long password 1")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert b"Signed in as teller" in response.content
