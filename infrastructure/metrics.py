"""Metrics for operators, in Prometheus's format (prometheus-client, django-prometheus).

The worker serves its followers' metrics on 127.0.0.1 (``runsystem --metrics-port``);
the web process serves django-prometheus's request metrics at /metrics, to loopback
or to staff.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

NOTIFICATIONS = Counter("bank_follower_notifications", "Notifications processed", ["follower"])
BATCHES = Counter("bank_follower_batches", "Batches of notifications committed", ["follower"])
BATCH_SECONDS = Histogram(
    "bank_follower_batch_seconds",
    "Time to process and commit a batch",
    ["follower"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
FAILURES = Counter("bank_follower_failures", "Failed attempts, each retried", ["follower"])
RETRYING = Gauge(
    "bank_follower_retrying",
    "1 while the follower is retrying a failure",
    ["follower"],
    multiprocess_mode="livesum",  # with --runner processes: the live children's values, added up
)


def start_follower_metrics(follower: str) -> None:
    """Makes the follower's counters show (at 0) before anything happens."""
    for metric in (NOTIFICATIONS, BATCHES, BATCH_SECONDS, FAILURES, RETRYING):
        metric.labels(follower=follower)


class FollowerPositions(Collector):
    """Each follower's position in each leader's log, the leader's last notification and
    the lag, read from the database at each scrape (as systemstatus reads them)."""

    def __init__(self, system: Any) -> None:
        self.system = system

    def describe(self) -> list[GaugeMetricFamily]:
        labels = ["follower", "leader"]
        return [
            GaugeMetricFamily("bank_follower_position", "Last notification processed", labels=labels),
            GaugeMetricFamily(
                "bank_leader_last_notification", "The leader's last notification", labels=labels
            ),
            GaugeMetricFamily("bank_follower_lag", "Notifications yet to process", labels=labels),
        ]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db import DatabaseError, connection

        from infrastructure.status import follower_positions

        position, last, lag = self.describe()
        try:
            positions = follower_positions(self.system)
        except DatabaseError:
            return  # the database is down: systemstatus says so; no figures rather than wrong ones
        finally:
            connection.close()  # scrapes come on the server's threads: no connection left open
        for p in positions:
            position.add_metric([p.follower, p.leader], p.position or 0)
            last.add_metric([p.follower, p.leader], p.leader_position or 0)
            lag.add_metric([p.follower, p.leader], p.lag)
        yield from (position, last, lag)


def count_in_children() -> None:
    """Makes the children this process starts afterwards (--runner processes) count into
    files of a directory of their own, which serve_worker_metrics adds up: the
    library's multiprocess mode. Children read the directory from the environment
    when they import prometheus-client, so this must come before they start."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="bank-worker-metrics-")


def serve_worker_metrics(port: int, system: Any, *, children: bool = False) -> None:
    """Serves the worker's metrics on 127.0.0.1:port (never on other interfaces); with
    children, those that its child processes count (see count_in_children)."""
    registry = REGISTRY
    if children:
        count_in_children()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    registry.register(FollowerPositions(system))
    start_http_server(port, addr="127.0.0.1", registry=registry)


def metrics_view(request: Any) -> Any:
    """django-prometheus's export, for staff, or for a request made on this machine
    directly (a request forwarded by a proxy here comes from loopback too: not for it)."""
    from django.http import Http404
    from django_prometheus.exports import ExportToDjangoView

    forwarded = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_FORWARDED" in request.META
    try:
        local = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback and not forwarded
    except ValueError:
        local = False
    if not (local or request.user.is_staff):
        raise Http404
    return ExportToDjangoView(request)
