"""Verifications run and recorded: from the command line, or as auditors ask for them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.application import Accounts
from audit.models import LedgerVerification
from audit.verification.report import Report
from audit.verification.stream import Verification
from bankproject.system import persistence_env
from sagas.application import Commands, Sagas


class LedgerVerifier:
    """Read models are compared with what the events say as at each projection's
    tracking position, all inside one repeatable-read transaction, so a worker that
    keeps running during the check is lag, not a discrepancy."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        pending_limit: timedelta = timedelta(minutes=5),
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        env = env or persistence_env("django")
        self.commands, self.sagas, self.accounts = Commands(env=env), Sagas(env=env), Accounts(env=env)
        self.pending_limit = pending_limit
        self.on_progress = on_progress or (lambda done, total: None)

    def verify(self) -> Report:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # One snapshot for the events, the read models and their positions.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return Verification(self).run()


def verify_and_record(
    verification: LedgerVerification | None = None,
    pending_limit: timedelta = timedelta(minutes=5),
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[LedgerVerification, Report]:
    """Runs a verification and keeps its outcome and report (a new row unless one was requested)."""
    now = timezone.now()
    if verification is None:
        verification = LedgerVerification.objects.create(
            requested_at=now, status=LedgerVerification.Status.RUNNING
        )
    verification.started_at = now
    verification.save(update_fields=["started_at"])
    try:
        report = LedgerVerifier(pending_limit=pending_limit, on_progress=on_progress).verify()
    except Exception:
        verification.status, verification.outcome = (
            LedgerVerification.Status.DONE,
            LedgerVerification.Outcome.FAILED,
        )
        verification.finished_at = timezone.now()
        verification.save(update_fields=["status", "outcome", "finished_at"])
        raise
    verification.status = LedgerVerification.Status.DONE
    verification.outcome = (
        LedgerVerification.Outcome.CONSISTENT
        if report.is_consistent
        else LedgerVerification.Outcome.DISCREPANCIES
    )
    verification.finished_at = report.finished_at
    verification.events_checked = report.events_checked
    verification.discrepancy_count = len(report.discrepancies)
    verification.report = report.as_dict()
    verification.save()
    return verification, report


def claim_requested_verification() -> LedgerVerification | None:
    """The oldest verification auditors asked for, now marked running; None if none waits.

    Claimed with a conditional update, so that two workers never run the same one.
    """
    for verification in LedgerVerification.objects.filter(
        status=LedgerVerification.Status.REQUESTED
    ).order_by("requested_at", "pk")[:5]:
        claimed = LedgerVerification.objects.filter(
            pk=verification.pk, status=LedgerVerification.Status.REQUESTED
        ).update(status=LedgerVerification.Status.RUNNING)
        if claimed:
            verification.status = LedgerVerification.Status.RUNNING
            return verification
    return None


def run_requested_verifications(pending_limit: timedelta = timedelta(minutes=5)) -> list[LedgerVerification]:
    """Runs every requested verification, oldest first."""
    done = []
    while (verification := claim_requested_verification()) is not None:
        done.append(verify_and_record(verification, pending_limit)[0])
    return done
