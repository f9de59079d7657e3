"""A seeded random mix of requests, good and bad, and the invariants the bank must keep after it."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from accounts.domain import BankAccount, InvalidAmountError, SameAccountError
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
    rng = random.Random(seed)
    workload = Workload(account_ids=list(account_ids))
    for account_id in account_ids:
        saga_id = commands.deposit_funds(account_id, opening_deposit)
        workload.requests[saga_id] = Request(
            saga_id, "deposit", Decimal(opening_deposit), credit_account_id=account_id
        )
    request_ids = [f"request-{seed}-{n}" for n in range(count // 10)]

    def an_account():
        return uuid4() if rng.random() < 0.03 else rng.choice(workload.account_ids)

    def an_amount():
        return rng.choice(BAD_AMOUNTS) if rng.random() < 0.04 else rng.choice(AMOUNTS)

    for _ in range(count):
        kind = rng.choices(
            ["deposit", "withdraw", "transfer", "limit", "close", "open"],
            weights=[30, 25, 35, 6, 2, 2],
        )[0]
        request_id = rng.choice(request_ids) if rng.random() < 0.1 else None
        amount = an_amount()
        try:
            if kind == "deposit":
                credit = an_account()
                saga_id = commands.deposit_funds(credit, amount, request_id=request_id)
                request = Request(saga_id, kind, Decimal(amount), credit_account_id=credit)
            elif kind == "withdraw":
                debit = an_account()
                saga_id = commands.withdraw_funds(debit, amount, request_id=request_id)
                request = Request(saga_id, kind, Decimal(amount), debit_account_id=debit)
            elif kind == "transfer":
                debit = an_account()
                credit = debit if rng.random() < 0.03 else an_account()
                saga_id = commands.transfer_funds(debit, credit, amount, request_id=request_id)
                request = Request(saga_id, kind, Decimal(amount), debit, credit)
            elif kind == "limit":
                account = an_account()
                limit = rng.choice(["0", "100", "500", "-1"])
                saga_id = commands.set_overdraft_limit(account, limit, request_id=request_id)
                request = Request(saga_id, kind, debit_account_id=account)
            elif kind == "close":
                account = an_account()
                saga_id = commands.close_account(account, request_id=request_id)
                request = Request(saga_id, kind, debit_account_id=account)
            else:
                saga_id = commands.open_account("New customer", request_id=request_id)
                request = Request(saga_id, kind)
                workload.account_ids.append(saga_id)
        except (InvalidAmountError, SameAccountError, RequestConflictError) as error:
            workload.refused_at_once[type(error).__name__] += 1
            continue
        if saga_id in workload.requests:
            assert workload.requests[saga_id].kind == kind, "a request id gave another request's id"
            continue
        workload.requests[saga_id] = request
    return workload


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

    moves_by_transaction: dict[UUID, Counter] = {}
    ended: dict[UUID, BankAccount] = {}
    for account_id in workload.account_ids:
        events = account_history(accounts, account_id)
        if not events:
            assert final[account_id].has_errored if account_id in final else True
            continue
        balance, limit = Decimal("0.00"), Decimal("0.00")
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

    for saga_id, request in workload.requests.items():
        saga = final[saga_id]
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
        moves = moves_by_transaction.pop(saga_id, Counter())
        assert moves == expected, f"{request.kind} {saga_id} moved {moves}, expected {expected}"
    assert moves_by_transaction == {}, "money moved with no request behind it"

    def succeeded_total(kind):
        return sum(
            (
                r.amount
                for r in workload.requests.values()
                if r.kind == kind and final[r.saga_id].has_succeeded
            ),
            Decimal("0.00"),
        )

    total_balance = sum((a.balance for a in ended.values()), Decimal("0.00"))
    assert total_balance == succeeded_total("deposit") - succeeded_total("withdraw")
    return ended, final
