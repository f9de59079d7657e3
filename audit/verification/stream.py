"""The books checked from the event store, in one streaming pass.

The Commands, Sagas and Accounts logs are read together in notification-id order
(ids are given from one sequence across applications, and an event is recorded
only after what caused it committed, so a request always comes before its answer
and an answer before the saga's outcome). Memory holds one small record per
account and one per request still in flight, never the events themselves.

Events are read from their stored JSON (see audit.verification.events), ids kept as
hex text throughout; a discrepancy names them as UUIDs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Max
from django.utils import timezone

from accounts.domain import ZERO
from audit.verification.accounts import AccountChecks, AccountState
from audit.verification.events import event_class, state_reader, timestamp_of
from audit.verification.read_models import ReadModelChecks
from audit.verification.report import Report
from audit.verification.requests import RequestChecks
from audit.verification.store import PAGE_SIZE, event_rows
from infrastructure.models import ProjectionTrackingRecord
from sagas.domain import Command

Handler = Callable[[int, str, int, Any], None]  # notification id, originator id (hex), version, state


class Verification(AccountChecks, RequestChecks, ReadModelChecks):
    """One pass over the store (see the module's docstring); the checks of accounts, of
    requests and of the read models are in their own modules."""

    def __init__(self, verifier: Any) -> None:
        self.v = verifier
        self.report = Report(
            started_at=timezone.now(), pending_limit_seconds=verifier.pending_limit.total_seconds()
        )
        self.accounts: dict[str, AccountState] = {}
        self.requests: dict[str, Any] = {}
        self.rows_to_compare: list[tuple[str, tuple]] = []
        self.request_rows_expected = 0
        self.deposits = ZERO
        self.withdrawals = ZERO

    def run(self) -> Report:
        positions = self.read_positions()
        self.accounts_position = positions.get(("AccountsProjection", "Accounts"), 0)
        self.commands_position = positions.get(("SagasProjection", "Commands"), 0)
        self.sagas_position = positions.get(("SagasProjection", "Sagas"), 0)
        self.report.positions = {
            "AccountsProjection of Accounts": self.accounts_position,
            "SagasProjection of Commands": self.commands_position,
            "SagasProjection of Sagas": self.sagas_position,
        }
        self.apps = {app.name: app for app in (self.v.commands, self.v.sagas, self.v.accounts)}
        last = max((app.recorder.max_notification_id() or 0) for app in self.apps.values())
        handlers: dict[tuple[str, str], Handler] = {}
        counts = dict.fromkeys(self.apps, 0)
        on_progress = self.v.on_progress
        for n, (notification_id, name, originator_id, version, topic, state) in enumerate(
            event_rows(self.apps)
        ):
            counts[name] += 1
            handler = handlers.get((name, topic))
            if handler is None:
                handler = handlers[(name, topic)] = self.handler_for(name, topic)
            handler(notification_id, originator_id, version, state)
            if n % PAGE_SIZE == 0:
                on_progress(notification_id, last)
        self.report.counts.update({f"events of {name}": count for name, count in counts.items() if count})
        on_progress(last, last)
        self.finish()
        self.report.finished_at = timezone.now()
        return self.report

    def read_positions(self) -> dict[tuple[str, str], int]:
        """The projections' positions, in their own table (kept apart from the money
        path's tracking: see infrastructure.models.ProjectionTrackingRecord)."""
        return {
            (row["application_name"], row["upstream_application_name"]): row["position"]
            for row in ProjectionTrackingRecord.objects.filter(
                application_name__in=["AccountsProjection", "SagasProjection"]
            )
            .values("application_name", "upstream_application_name")
            .annotate(position=Max("notification_id"))
        }

    def handler_for(self, name: str, topic: str) -> Handler:
        """What to do with an application's events of one topic (found once per topic)."""
        cls = event_class(topic)
        if name == "Commands":
            take = self.take_command if issubclass(cls, Command.Created) else None
        elif name == "Sagas":
            take = self.saga_handler(cls)
        else:
            take = self.account_handler(cls)
        if take is None:
            return lambda notification_id, originator_id, version, state: None
        read = state_reader(self.apps[name])
        return lambda notification_id, originator_id, version, state: take(
            notification_id, originator_id, version, read(state)
        )

    # The end.

    def finish(self) -> None:
        now = self.report.started_at
        in_flight = ZERO
        for saga_id, request in list(self.requests.items()):
            in_flight += sum((amount for _, amount in request.moves), ZERO)
            self.report.counts["requests pending"] += 1
            submitted_at = request.submitted_at and timestamp_of(request.submitted_at)
            if submitted_at is not None and now - submitted_at >= self.v.pending_limit:
                self.discrepancy(
                    "pending",
                    f"{request.fields[0]} pending since {submitted_at.isoformat()}",
                    account_id=request.fields[1],
                    request_id=saga_id,
                    application="Sagas",
                )
            self.expect_request_row(saga_id, request, "pending")
        self.compare_request_rows()
        balances = sum((a.balance for a in self.accounts.values()), ZERO)
        self.report.totals = {
            "balances": str(balances),
            "deposits": str(self.deposits),
            "withdrawals": str(self.withdrawals),
            "moved by requests in flight": str(in_flight),
        }
        if balances != self.deposits - self.withdrawals + in_flight:
            self.discrepancy(
                "money conserved",
                f"balances add up to {balances}, but deposits {self.deposits} minus withdrawals "
                f"{self.withdrawals} (and {in_flight} moved by requests in flight) make "
                f"{self.deposits - self.withdrawals + in_flight}",
            )
        self.compare_account_rows()
