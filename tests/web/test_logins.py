"""Logins that resist guessing: lockout after ten failures, every attempt recorded, idle sessions end."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

PASSWORD = "a long password 1"

LOGINS = {
    "teller login": "/login/",
    "admin login": "/admin/login/",
}


@pytest.fixture
def tina(django_user_model, transactional_db):
    user = django_user_model.objects.create_user("tina", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="tellers")[0])
    return user


def log_in(client, url, password):
    return client.post(url, {"username": "tina", "password": password}, REMOTE_ADDR="192.0.2.7")


@pytest.mark.parametrize("url", LOGINS.values(), ids=LOGINS.keys())
def test_ten_wrong_passwords_lock_the_login_until_it_is_unlocked(client, tina, url):
    from axes.models import AccessAttempt, AccessFailureLog

    for attempt in range(9):
        assert log_in(client, url, f"guess {attempt}").status_code == 200
    locked = log_in(client, url, "guess 9")
    assert locked.status_code == 429
    assert b"locked" in locked.content and b"15 minutes" in locked.content

    refused = log_in(client, url, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessFailureLog.objects.filter(username="tina").count() >= 10
    assert AccessAttempt.objects.get(username="tina").failures_since_start >= 10

    call_command("axes_reset_username", "tina")
    assert log_in(client, url, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(tina.pk)


def test_a_successful_login_is_recorded_and_staff_see_the_records(client, tina, admin_client):
    from axes.models import AccessLog

    assert log_in(client, "/login/", PASSWORD).status_code == 302
    assert AccessLog.objects.filter(username="tina").count() == 1
    log_in(client, "/login/", "wrong")
    for name in ("accesslog", "accessfailurelog", "accessattempt"):
        page = admin_client.get(reverse(f"admin:axes_{name}_changelist"))
        assert page.status_code == 200 and b"tina" in page.content, name


def test_sessions_end_after_half_an_hour_idle(client, tina):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each page moves the expiry: an idle time, not a total
    log_in(client, "/login/", PASSWORD)
    assert client.session.get_expiry_age() == 30 * 60
