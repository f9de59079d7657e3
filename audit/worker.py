"""The worker's share of auditing: verifications asked for from the dashboard, run in a thread."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connection

from audit.verification import run_requested_verifications

logger = logging.getLogger("bank.audit")


def start_verifying_requests(stopping: threading.Event, interval: float = 5.0) -> threading.Thread:
    """Looks for requested verifications every interval seconds until stopping is set."""
    thread = threading.Thread(
        target=verify_requests_until, args=(stopping, interval), name="verifications", daemon=True
    )
    thread.start()
    return thread


def verify_requests_until(stopping: threading.Event, interval: float) -> None:
    try:
        while not stopping.wait(interval):
            close_old_connections()
            try:
                for verification in run_requested_verifications():
                    logger.info("verification %s: %s", verification.pk, verification.get_outcome_display())
            except Exception:
                # Never takes the worker down: the request stays marked failed, the loop goes on.
                logger.exception("a requested verification could not finish")
    finally:
        connection.close()


def verify_requests_beside_the_worker(sender, stopping: threading.Event, **kwargs) -> None:
    """runsystem's worker_starting receiver: verifications asked for from the dashboard
    run in the worker, beside its followers, until it stops."""
    start_verifying_requests(stopping)
