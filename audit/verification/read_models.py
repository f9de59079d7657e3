"""Read models compared with what the events say, as at each projection's position.

Rows are read as plain tuples, a page per query (see audit.verification.store): request
rows by a thousand ids at a time, as requests end; account rows and ledger entries in
primary-key order once the stream has ended, ledger entries summed into an order-free
digest per account that is compared with the digest of the entries the events make.
Only a difference is read back in detail, to name it.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncHour

from accounts.domain import ZERO, BankAccount
from accounts.models import AccountSummary, BankTotals, LedgerEntry
from accounts.projections import account_number
from audit.verification.events import as_uuid
from audit.verification.store import database, hex_id, money, money_reader, table_rows
from sagas.models import HourlyRequests, SagaSummary

ROWS_PER_QUERY = 1000  # request rows compared per query
DIGEST_MODULUS = 2**64
CENT = Decimal("0.01")
ACCOUNT_ROW_FIELDS = (
    "full name",
    "e-mail address",
    "balance",
    "overdraft limit",
    "closed",
    "version",
    "number",
)
REQUEST_ROW_FIELDS = ("kind", "account_id", "to_account_id", "amount", "status")


class ReadModelChecks:
    """Verification's comparison of the read models (mixed into Verification)."""

    def expect_request_row(self, saga_id: str, request: Any, status: str | None) -> None:
        """Queues the comparison of a request's row; status None: its last status is not yet projected."""
        if not (request.command_seen or request.started_seen):
            return  # not yet projected
        self.request_rows_expected += 1
        self.rows_to_compare.append((saga_id, (*request.fields, status or "pending")))
        if len(self.rows_to_compare) >= ROWS_PER_QUERY:
            self.compare_request_rows()

    def compare_request_rows(self) -> None:
        expected = dict(self.rows_to_compare)
        self.rows_to_compare = []
        if not expected:
            return
        db = database()
        quote = db.ops.quote_name
        columns = (
            hex_id(db, "saga_id"),
            quote("kind"),
            hex_id(db, "account_id"),
            hex_id(db, "to_account_id"),
            money(db, "amount"),
            quote("status"),
            f"LENGTH({quote('errors')})",
        )
        sql = (
            f"SELECT {', '.join(columns)} FROM {quote(SagaSummary._meta.db_table)} "
            f"WHERE {quote('saga_id')} IN ({', '.join(['%s'] * len(expected))})"
        )
        with db.cursor() as cursor:
            cursor.execute(sql, list(expected))
            rows = {row[0]: row for row in cursor.fetchall()}
        read_money = money_reader(db)
        self.report.counts["request rows compared"] += len(expected)
        for saga_id, fields in expected.items():
            row = rows.get(saga_id)
            if row is None:
                self.discrepancy("read model", "request has no row", request_id=saga_id)
                continue
            _, kind, account_id, to_account_id, amount, status, errors = row
            actual = (kind, account_id, to_account_id, read_money(amount), status)
            if actual == fields and bool(errors) == (status == "failed"):
                continue
            differences = [
                f"{name} is {shown(a, name)}, events say {shown(e, name)}"
                for name, a, e in zip(REQUEST_ROW_FIELDS, actual, fields, strict=True)
                if a != e
            ]
            if bool(errors) != (fields[4] == "failed"):
                differences.append("its reason for failing does not match its status")
            if differences:
                self.discrepancy("read model", f"request row: {'; '.join(differences)}", request_id=saga_id)

    def compare_account_rows(self) -> None:
        db = database()
        read_money = money_reader(db)
        columns = [hex_id(db, "account_id")] + [
            money(db, c) if c in ("balance", "overdraft_limit") else db.ops.quote_name(c)
            for c in (
                "full_name",
                "email_address",
                "balance",
                "overdraft_limit",
                "is_closed",
                "version",
                "number",
            )
        ]
        for _, account_id, name, email, balance, limit, is_closed, version, number in table_rows(
            AccountSummary, columns
        ):
            self.report.counts["account rows compared"] += 1
            account = self.accounts.get(account_id)
            if account is None or account.row is None:
                self.discrepancy(
                    "read model",
                    f"row {number} for an account the events do not have (yet)",
                    account_id=account_id,
                )
                continue
            account.has_row = True
            actual = (name, email, read_money(balance), read_money(limit), bool(is_closed), version, number)
            expected = (*account.row, account_number(account.opened_at_notification))
            if actual != expected:
                differences = [
                    f"{field} is {shown(a, field)}, events say {shown(e, field)}"
                    for field, a, e in zip(ACCOUNT_ROW_FIELDS, actual, expected, strict=True)
                    if a != e
                ]
                check = "balance" if actual[2] != expected[2] else "read model"
                self.discrepancy(check, f"account {number}: {'; '.join(differences)}", account_id=account_id)
        self.compare_ledger(db, read_money)
        self.compare_totals()

    def compare_ledger(self, db: Any, read_money: Any) -> None:
        columns = [
            hex_id(db, "account_id"),
            db.ops.quote_name("version"),
            hex_id(db, "transaction_id"),
            db.ops.quote_name("kind"),
            money(db, "amount"),
            money(db, "balance_after"),
            hex_id(db, "counterparty_account_id"),
        ]
        accounts = self.accounts
        compared = 0
        for _, account_id, version, transaction_id, kind, amount, balance, counterparty in table_rows(
            LedgerEntry, columns
        ):
            compared += 1
            account = accounts.get(account_id)
            if account is None:
                self.discrepancy(
                    "read model", "a ledger entry of an account the events do not have", account_id=account_id
                )
                continue
            account.rows_entries += 1
            account.rows_digest += hash(
                (version, transaction_id, kind, read_money(amount), read_money(balance), counterparty)
            )
        self.report.counts["ledger entries compared"] += compared

    def compare_totals(self) -> None:
        projected_count, projected_total = 0, ZERO
        for account_id, account in self.accounts.items():
            if account.row is None:
                continue
            projected_count += 1
            projected_total += account.row[2]
            if not account.has_row:
                self.discrepancy("read model", "account has no row", account_id=account_id)
            if (account.ledger_entries, account.ledger_digest % DIGEST_MODULUS) != (
                account.rows_entries,
                account.rows_digest % DIGEST_MODULUS,
            ):
                self.discrepancy(
                    "read model", self.describe_ledger_difference(account_id), account_id=account_id
                )
        totals = BankTotals.objects.filter(pk=BankTotals.ROW).first()
        actual = (totals.account_count, totals.total_balance) if totals else (0, ZERO)
        if actual != (projected_count, projected_total):
            self.discrepancy(
                "read model",
                f"bank totals say {actual[0]} accounts holding {actual[1]}; "
                f"events say {projected_count} holding {projected_total}",
            )
        request_rows = SagaSummary.objects.count()
        if request_rows != self.request_rows_expected:
            self.discrepancy(
                "read model", f"{request_rows} request rows, events say {self.request_rows_expected}"
            )
        self.compare_hourly_requests()

    def compare_hourly_requests(self) -> None:
        """The dashboard's requests per hour (HourlyRequests) against the request rows grouped
        by the hour they were submitted in, both as at the requests projection's position."""
        counted = {
            row["hour"]: (row["total"], row["failed"])
            for row in SagaSummary.objects.annotate(hour=TruncHour("created_at", tzinfo=UTC))
            .values("hour")
            .annotate(total=Count("pk"), failed=Count("pk", filter=Q(status=SagaSummary.Status.FAILED)))
        }
        projected = {
            hour: (total, failed)
            for hour, total, failed in HourlyRequests.objects.values_list("hour", "total", "failed")
            if total or failed  # a request counted in one hour, then moved to another: a row of noughts
        }
        self.report.counts["hours of requests compared"] += len(counted.keys() | projected.keys())
        for hour in sorted(counted.keys() | projected.keys()):
            (total, failed), (expected_total, expected_failed) = (
                projected.get(hour, (0, 0)),
                counted.get(hour, (0, 0)),
            )
            if (total, failed) != (expected_total, expected_failed):
                self.discrepancy(
                    "read model",
                    f"requests of the hour from {hour:%Y-%m-%d %H:00} UTC: {total}, {failed} failed; "
                    f"the request rows say {expected_total}, {expected_failed} failed",
                )

    def describe_ledger_difference(self, account_id: str) -> str:
        """Names the ledger entries that differ (read back for this account only)."""
        rows = {
            e.version: (e.transaction_id and e.transaction_id.hex, e.kind, e.amount, e.balance_after)
            for e in LedgerEntry.objects.filter(account_id=as_uuid(account_id))
        }
        projected_version = self.accounts[account_id].row[5]
        expected, balance = {}, ZERO
        history = self.v.accounts.repository.event_store.get(as_uuid(account_id), lte=projected_version)
        for event in history:
            if isinstance(event, BankAccount.TransactionAppended):
                balance += event.amount
                transaction_id = event.transaction_id and event.transaction_id.hex
                kind, _ = self.describe_transaction(account_id, event.amount, transaction_id)
                expected[event.originator_version] = (transaction_id, kind, event.amount, balance)
        missing = sorted(set(expected) - set(rows))
        extra = sorted(set(rows) - set(expected))
        different = sorted(v for v in set(rows) & set(expected) if rows[v] != expected[v])
        parts = []
        if missing:
            parts.append(f"ledger entries missing for versions {missing}")
        if extra:
            parts.append(f"ledger entries with no transaction at versions {extra}")
        if different:
            parts.append(f"ledger entries that differ from their transactions at versions {different}")
        return "; ".join(parts) or "ledger entries differ from their transactions (counterparty)"


def shown(value: Any, name: str) -> str:
    """A row's or an event's value in a discrepancy: ids as UUIDs, money to the cent."""
    if name.endswith("_id") and isinstance(value, str):
        return str(as_uuid(value))
    if isinstance(value, Decimal):
        return str(value.quantize(CENT)) if value == value.quantize(CENT) else str(value)
    return repr(value) if isinstance(value, str) else str(value)
