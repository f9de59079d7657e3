"""A seeded random mix of requests, good and bad, and the invariants the bank must keep after it."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from accounts.domain import ZERO, BankAccount, InvalidAmountError, SameAccountError
from sagas.domain import RequestConflictError

AMOUNTS = ["0.01", "1", "9.99", "25", "50.50", "100", "250", "999.99"]
BAD_AMOUNTS = ["0", "-5", "1.001", "NaN", "1000000000.01", "lots"]


@dataclass
class Request:
    saga_id: UUID
    kind: str
    amount: Decimal | None = None
    debit_account_id: UUID | None = None
    credit_account_id: UUID | None = None


@dataclass
class Workload:
    requests: dict[UUID, Request] = field(default_factory=dict)
    refused_at_once: Counter = field(default_factory=Counter)
    account_ids: list[UUID] = field(default_factory=list)


def submit_random_requests(commands, account_ids, count, seed, opening_deposit="500") -> Workload:
    """Deposits opening_deposit in each account, then submits count requests over the
    accounts: deposits, withdrawals, transfers, limits, closes and openings, with some
    bad amounts, unknown and same accounts, and request ids sent twice or reused for
    another request."""
    workload = Workload(account_ids=list(account_ids))
    for account_id in account_ids:
        saga_id = commands.deposit_funds(account_id, opening_deposit)
        workload.requests[saga_id] = Request(
            saga_id, "deposit", Decimal(opening_deposit), credit_account_id=account_id
        )
    teller = RandomTeller(
        commands, workload, seed, request_ids=[f"request-{seed}-{n}" for n in range(count // 10)]
    )
    for _ in range(count):
        kind = teller.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        try:
            request = teller.submit(kind)
        except (InvalidAmountError, SameAccountError, RequestConflictError) as error:
            workload.refused_at_once[type(error).__name__] += 1
            continue
        if request.saga_id in workload.requests:
            assert workload.requests[request.saga_id].kind == kind, "a request id gave another request's id"
            continue
        workload.requests[request.saga_id] = request
    return workload


KIND_WEIGHTS = {"deposit": 30, "withdraw": 25, "transfer": 35, "limit": 6, "close": 2, "open": 2}


class RandomTeller:
    """Submits one request of a kind at a time, with random accounts (a few unknown),
    amounts (a few bad) and request ids (a few sent again)."""

    def __init__(self, commands, workload: Workload, seed, request_ids):
        self.commands, self.workload, self.request_ids = commands, workload, request_ids
        self.rng = random.Random(seed)

    def submit(self, kind: str) -> Request:
        request_id = self.rng.choice(self.request_ids) if self.rng.random() < 0.1 else None
        amount = self.an_amount()
        return getattr(self, kind)(request_id, amount)

    def an_account(self):
        return uuid4() if self.rng.random() < 0.03 else self.rng.choice(self.workload.account_ids)

    def an_amount(self):
        return self.rng.choice(BAD_AMOUNTS) if self.rng.random() < 0.04 else self.rng.choice(AMOUNTS)

    def deposit(self, request_id, amount):
        credit = self.an_account()
        saga_id = self.commands.deposit_funds(credit, amount, request_id=request_id)
        return Request(saga_id, "deposit", Decimal(amount), credit_account_id=credit)

    def withdraw(self, request_id, amount):
        debit = self.an_account()
        saga_id = self.commands.withdraw_funds(debit, amount, request_id=request_id)
        return Request(saga_id, "withdraw", Decimal(amount), debit_account_id=debit)

    def transfer(self, request_id, amount):
        debit = self.an_account()
        credit = debit if self.rng.random() < 0.03 else self.an_account()
        saga_id = self.commands.transfer_funds(debit, credit, amount, request_id=request_id)
        return Request(saga_id, "transfer", Decimal(amount), debit, credit)

    def limit(self, request_id, amount):
        account, limit = self.an_account(), self.rng.choice(["0", "100", "500", "-1"])
        saga_id = self.commands.set_overdraft_limit(account, limit, request_id=request_id)
        return Request(saga_id, "limit", debit_account_id=account)

    def close(self, request_id, amount):
        account = self.an_account()
        return Request(
            self.commands.close_account(account, request_id=request_id), "close", debit_account_id=account
        )

    def open(self, request_id, amount):
        saga_id = self.commands.open_account("New customer", request_id=request_id)
        self.workload.account_ids.append(saga_id)
        return Request(saga_id, "open")


def wait_until_final(sagas, saga_ids, timeout=120.0):
    """All the sagas, once every one is final (polling, bounded)."""
    pending = set(saga_ids)
    final = {}
    deadline = time.monotonic() + timeout
    while pending:
        for saga_id in list(pending):
            try:
                saga = sagas.get_saga(saga_id)
            except AggregateNotFoundError:
                continue
            if saga.is_final:
                final[saga_id] = saga
                pending.discard(saga_id)
        if pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(pending)} sagas not final after {timeout}s")
            time.sleep(0.05)
    return final


def account_history(accounts, account_id):
    try:
        return list(accounts.repository.event_store.get(account_id))
    except AggregateNotFoundError:
        return []


def check_invariants(accounts, sagas, workload: Workload):
    """Asserts the bank's invariants after the workload.

    Returns the accounts and the sagas as they ended."""
    final = wait_until_final(sagas, workload.requests)
    assert all(s.has_succeeded != s.has_errored for s in final.values())
    assert all(s.errors == [] for s in final.values() if s.has_succeeded)
    assert all(len(s.errors) == 1 for s in final.values() if s.has_errored)
    ended, moves_by_transaction = replay_accounts(accounts, workload, final)
    for saga_id, request in workload.requests.items():
        expected = expected_moves(request, final[saga_id])
        moves = moves_by_transaction.pop(saga_id, Counter())
        assert moves == expected, f"{request.kind} {saga_id} moved {moves}, expected {expected}"
    assert moves_by_transaction == {}, "money moved with no request behind it"

    def succeeded_total(kind):
        requests = workload.requests.values()
        return sum((r.amount for r in requests if r.kind == kind and final[r.saga_id].has_succeeded), ZERO)

    total_balance = sum((a.balance for a in ended.values()), ZERO)
    assert total_balance == succeeded_total("deposit") - succeeded_total("withdraw")
    return ended, final


def replay_accounts(accounts, workload: Workload, final):
    """Each account's history replayed: no debit below minus the limit of the time, the
    balance the sum of its transactions. Returns the accounts and, per transaction,
    the money it moved."""
    moves_by_transaction: dict[UUID, Counter] = {}
    ended: dict[UUID, BankAccount] = {}
    for account_id in workload.account_ids:
        events = account_history(accounts, account_id)
        if not events:
            assert final[account_id].has_errored if account_id in final else True
            continue
        balance, limit = ZERO, ZERO
        for e in events:
            if isinstance(e, BankAccount.OverdraftLimitSet):
                limit = e.overdraft_limit
            elif isinstance(e, BankAccount.TransactionAppended):
                balance += e.amount
                if e.amount < 0:
                    assert balance >= -limit, f"a debit took {account_id} below minus its limit"
                moves_by_transaction.setdefault(e.transaction_id, Counter())[(account_id, e.amount)] += 1
        account = accounts.get_account(account_id)
        assert account.balance == balance, "balance is not the sum of its transactions"
        ended[account_id] = account
    return ended, moves_by_transaction


def expected_moves(request: Request, saga) -> Counter:
    """The money a request should have moved, given how its saga ended."""
    expected: Counter = Counter()
    if saga.has_succeeded and request.kind == "deposit":
        expected[(request.credit_account_id, request.amount)] = 1
    elif saga.has_succeeded and request.kind == "withdraw":
        expected[(request.debit_account_id, -request.amount)] = 1
    elif request.kind == "transfer" and saga.has_succeeded:
        expected[(request.debit_account_id, -request.amount)] = 1
        expected[(request.credit_account_id, request.amount)] = 1
    elif request.kind == "transfer" and saga.errors[0].args[0]["account_id"] != request.debit_account_id:
        # The credit failed: debited, then refunded.
        expected[(request.debit_account_id, -request.amount)] = 1
        expected[(request.debit_account_id, request.amount)] = 1
    return expected
