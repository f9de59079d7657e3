"""Metrics for operators: the worker's followers on a Prometheus endpoint bound to loopback,
and the web process's requests on /metrics, for loopback or staff only."""

import re
import socket
import urllib.request

import pytest
from django.urls import reverse

from tests.readmodels.checks import wait_for_read_models
from tests.system.workload import wait_until_final
from tests.worker.conftest import wait_until


def samples(text):
    """{(name, labels): value} from Prometheus's text format."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$", line)
        if match:
            found[(match[1], match[2] or "")] = float(match[3])
    return found


def value(found, name, **labels):
    wanted = {f'{key}="{val}"' for key, val in labels.items()}
    matching = [v for (n, ls), v in found.items() if n == name and wanted <= set(ls.strip("{}").split(","))]
    assert matching, f"no sample {name} {labels}"
    return sum(matching)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.not_postgresql
@pytest.mark.parametrize("runner", ["threads", "processes"])
def test_the_worker_serves_its_followers_metrics_on_loopback(bank, start_worker, runner):
    """With --runner processes the children count into files that the parent adds up."""
    port = free_port()
    start_worker("--runner", runner, "--metrics-port", str(port))
    account = bank.commands.open_account("Alice")
    deposits = [bank.commands.deposit_funds(account, "10") for _ in range(3)]
    wait_until_final(bank.sagas, [account, *deposits], timeout=60)
    wait_for_read_models()

    def scrape():
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        except OSError:
            return ""

    wait_until(lambda: "bank_follower_lag" in scrape(), timeout=30, message="metrics served")
    found = samples(scrape())
    last = bank.accounts.recorder.max_notification_id()
    assert value(found, "bank_follower_position", follower="AccountsProjection", leader="Accounts") == last
    assert (
        value(found, "bank_leader_last_notification", follower="AccountsProjection", leader="Accounts")
        == last
    )
    assert value(found, "bank_follower_lag", follower="AccountsProjection", leader="Accounts") == 0
    assert value(found, "bank_follower_notifications_total", follower="Accounts") == 4  # open, 3 deposits
    assert value(found, "bank_follower_notifications_total", follower="Sagas") >= 8
    assert 1 <= value(found, "bank_follower_batches_total", follower="Accounts") <= 4
    assert value(found, "bank_follower_batch_seconds_count", follower="Accounts") >= 1
    assert value(found, "bank_follower_batch_seconds_sum", follower="Accounts") > 0
    assert value(found, "bank_follower_failures_total", follower="Accounts") == 0
    assert value(found, "bank_follower_retrying", follower="Accounts") == 0


@pytest.mark.django_db
def test_the_web_metrics_count_requests_and_are_for_loopback_or_staff_only(client, django_user_model):
    client.get(reverse("login"))
    from_loopback = client.get("/metrics")
    assert from_loopback.status_code == 200
    found = samples(from_loopback.content.decode())
    assert value(found, "django_http_requests_total_by_method_total", method="GET") >= 1
    assert value(found, "django_http_requests_latency_seconds_by_view_method_count", method="GET") >= 1

    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 404
    staff = django_user_model.objects.create_user("operator", password="a long password 1", is_staff=True)
    client.force_login(staff)
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.10").status_code == 200
