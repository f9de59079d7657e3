"""The requests, followed from their command through their saga to what Accounts did."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from audit.verification.events import as_uuid, event_class, fields_reader, hex_of
from audit.verification.report import Discrepancy
from sagas.domain import Saga, TransferFundsSaga
from sagas.requests import REQUESTS

MONEY_MOVED_BY_SAGA = {kind.saga: kind.money for kind in REQUESTS}

NO_FIELDS = (None, None, None, None)  # kind, account_id, to_account_id, amount


class RequestState:
    """A request from its command until its saga ends: what it asked, and what moved."""

    __slots__ = (
        "kind",
        "fields",
        "submitted_at",
        "command_seen",
        "started_seen",
        "awaiting",
        "moves",
        "refund",
    )

    def __init__(self) -> None:
        self.kind: type | None = None  # the saga's class, once started
        self.fields: tuple = NO_FIELDS  # as events.request_fields
        self.submitted_at: Any = None  # as stored (read at the end, for requests still pending)
        self.command_seen = False  # by the requests projection
        self.started_seen = False
        self.awaiting: dict[str, int] = {}  # answers expected from Accounts, by account
        self.moves: list[tuple[str, Decimal]] = []
        self.refund = False


class RequestChecks:
    """Verification's handling of Commands' and Sagas' events, and of Accounts' answers."""

    requests: dict[str, RequestState]

    def discrepancy(self, check: str, detail: str, **where: Any) -> None:
        """A discrepancy (ids given as hex, reported as UUIDs)."""
        for name in ("account_id", "request_id"):
            if isinstance(where.get(name), str):
                where[name] = UUID(where[name])
        self.report.discrepancies.append(Discrepancy(check, detail, **where))

    # Commands.

    def take_command(self, notification_id: int, command_id: str, version: int, state: dict) -> None:
        request = self.requests.get(command_id)
        if request is None:
            request = self.requests[command_id] = RequestState()
        request.submitted_at = state["timestamp"]
        request.fields = fields_reader(state["originator_topic"])(command_id, state)
        request.command_seen = notification_id <= self.commands_position
        self.report.counts["requests"] += 1

    # Sagas.

    def saga_handler(self, cls: type) -> Callable[[int, str, int, dict], None]:
        """What to do with a Sagas event of class cls: (notification id, saga id, version, state)."""
        if issubclass(cls, Saga.Created):
            step = self.take_saga_started
        elif issubclass(
            cls,
            (Saga.CreditRequested, Saga.DebitRequested, Saga.OverdraftLimitRequested, Saga.ClosingRequested),
        ):
            step = self.take_saga_request
        elif issubclass(cls, TransferFundsSaga.RefundRequested):
            step = self.take_refund_request
        elif issubclass(cls, Saga.OpeningRequested):
            step = self.take_opening_request
        elif issubclass(cls, (Saga.Succeeded, Saga.Failed)):
            step = functools.partial(self.end_request, issubclass(cls, Saga.Succeeded))
        else:
            step = None
        requests = self.requests

        def take(notification_id: int, saga_id: str, version: int, state: dict) -> None:
            request = requests.get(saga_id)
            if request is None:
                self.discrepancy(
                    "applied twice",
                    f"{cls.__qualname__} of a saga with no command, or one already ended",
                    request_id=saga_id,
                    notification_id=notification_id,
                    application="Sagas",
                )
            elif step is not None:
                step(notification_id, saga_id, request, state)

        return take

    def take_saga_started(self, notification_id: int, saga_id: str, request: RequestState, state: dict):
        request.kind = event_class(state["originator_topic"])
        if request.fields is NO_FIELDS:  # the command's, unless it is missing: then the saga's own
            request.fields = fields_reader(state["originator_topic"])(saga_id, state)
        request.started_seen = notification_id <= self.sagas_position

    def take_saga_request(self, notification_id: int, saga_id: str, request: RequestState, state: dict):
        account_id = hex_of(state["account_id"])
        request.awaiting[account_id] = request.awaiting.get(account_id, 0) + 1

    def take_refund_request(self, notification_id: int, saga_id: str, request: RequestState, state: dict):
        self.take_saga_request(notification_id, saga_id, request, state)
        request.refund = True

    def take_opening_request(self, notification_id: int, saga_id: str, request: RequestState, state: dict):
        request.awaiting[saga_id] = request.awaiting.get(saga_id, 0) + 1

    def end_request(
        self, succeeded: bool, notification_id: int, saga_id: str, request: RequestState, state: dict
    ) -> None:
        kind, debit, credit, amount = request.fields
        expected: list[tuple[str, Decimal]] = []
        money = MONEY_MOVED_BY_SAGA.get(request.kind, "")  # the request table's: see sagas.requests
        if money == "in" and succeeded:
            expected = [(debit, amount)]  # the account it is about, credited
            self.deposits += amount
        elif money == "out" and succeeded:
            expected = [(debit, -amount)]
            self.withdrawals += amount
        elif money == "between":
            if succeeded:
                expected = [(debit, -amount), (credit, amount)]
            elif request.refund:
                expected = [(debit, -amount), (debit, amount)]
        moves = request.moves
        moved_as_expected = moves == expected or Counter(moves) == Counter(expected)
        if not moved_as_expected:
            check = "transfer" if request.kind is TransferFundsSaga else "request"
            outcome = "succeeded" if succeeded else "failed"
            self.discrepancy(
                check,
                f"{kind} {outcome} but moved {describe_moves(Counter(moves))}, "
                f"expected {describe_moves(Counter(expected))}",
                account_id=debit,
                request_id=saga_id,
                notification_id=notification_id,
                application="Sagas",
            )
        counts = self.report.counts
        counts["requests succeeded" if succeeded else "requests failed"] += 1
        if request.kind is TransferFundsSaga and moved_as_expected and expected:
            counts[
                "transfers matched by a refund" if request.refund else "transfers matched by a credit"
            ] += 1
        status = "succeeded" if succeeded else "failed"
        self.expect_request_row(saga_id, request, status if notification_id <= self.sagas_position else None)
        del self.requests[saga_id]

    def started_saga_kind(self, saga_id: str | None) -> type | None:
        """A saga no longer in flight, read back: only for money that moved out of turn."""
        if saga_id is None:
            return None
        try:
            return type(self.v.sagas.repository.get(as_uuid(saga_id), version=1))
        except AggregateNotFoundError:
            return None

    # Accounts' answers.

    def take_answer(
        self, saga_id: str | None, account_id: str, notification_id: int, amount: Decimal | None = None
    ) -> None:
        """Accounts' answer to a saga's request: expected once, and only while asked."""
        if saga_id is None:
            return  # a direct action on Accounts, asked by no saga
        request = self.requests.get(saga_id)
        awaited = request.awaiting.get(account_id, 0) if request is not None else 0
        if not awaited:
            self.discrepancy(
                "applied twice",
                self.describe_unasked_answer(saga_id, account_id),
                account_id=account_id,
                request_id=saga_id,
                notification_id=notification_id,
                application="Accounts",
            )
            return
        request.awaiting[account_id] = awaited - 1
        if amount is not None:
            request.moves.append((account_id, amount))

    def describe_unasked_answer(self, saga_id: str, account_id: str) -> str:
        """Why an answer was not expected: read back (rare) to name it exactly."""
        answers = []
        if account_id in self.accounts:
            history = self.v.accounts.repository.event_store.get(as_uuid(account_id))
            answers = [e for e in history if getattr(e, "transaction_id", None) == as_uuid(saga_id)]
        if len(answers) > 1:
            return (
                f"transaction applied twice: request {as_uuid(saga_id)} has {len(answers)} answers on this "
                f"account ({', '.join(f'{type(e).__qualname__} v{e.originator_version}' for e in answers)})"
            )
        return f"an answer to request {as_uuid(saga_id)}, which was not waiting for one from this account"


def describe_moves(moves: Counter) -> str:
    if not moves:
        return "nothing"
    return ", ".join(
        f"{amount:+} on {as_uuid(account_id)}" + (f" ×{count}" if count > 1 else "")
        for (account_id, amount), count in moves.items()
    )
