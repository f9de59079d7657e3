"""Read models of accounts, projected from the Accounts application's events.

Pages and the admin read these tables; nothing but the projection writes them.
"""

from django.db import models


class AccountSummary(models.Model):
    account_id = models.UUIDField(unique=True)
    number = models.CharField(
        max_length=12, unique=True, help_text="what tellers read and type: digits and a check digit"
    )
    full_name = models.CharField(max_length=200, blank=True, db_index=True)
    email_address = models.CharField(max_length=254, blank=True, db_index=True)
    # 13 digits before the point: the balance ceiling (accounts.domain.MAXIMUM_BALANCE,
    # 12 digits) with room for refunds, which are never refused.
    balance = models.DecimalField(max_digits=15, decimal_places=2, default=0)
    overdraft_limit = models.DecimalField(max_digits=15, decimal_places=2, default=0)
    is_closed = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    version = models.BigIntegerField(help_text="the account event this row reflects")

    class Meta:
        ordering = ["number"]
        verbose_name = "account"
        indexes = [models.Index(fields=["balance"])]

    def __str__(self) -> str:
        return f"{self.number} {self.full_name}".strip()

    @property
    def available_to_withdraw(self):
        return max(self.balance + self.overdraft_limit, 0)


class BankTotals(models.Model):
    """One row: how many accounts the bank has and the money in them, kept as
    accounts open and money moves, so the dashboard reads it without summing
    every account."""

    ROW = 1  # the primary key of the one row

    account_count = models.BigIntegerField(default=0)
    # Room for ten billion accounts at the balance ceiling (accounts.domain.MAXIMUM_BALANCE).
    total_balance = models.DecimalField(max_digits=24, decimal_places=2, default=0)

    class Meta:
        verbose_name_plural = "bank totals"

    def __str__(self) -> str:
        return f"{self.account_count} accounts, {self.total_balance}"


class LedgerEntry(models.Model):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", "deposit"
        WITHDRAWAL = "withdrawal", "withdrawal"
        TRANSFER_IN = "transfer in", "transfer in"
        TRANSFER_OUT = "transfer out", "transfer out"
        REFUND = "refund", "refund"

    account_id = models.UUIDField()
    version = models.BigIntegerField(help_text="the account event that appended it")
    transaction_id = models.UUIDField(null=True, blank=True, db_index=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(max_digits=15, decimal_places=2)
    balance_after = models.DecimalField(max_digits=15, decimal_places=2)
    counterparty_account_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["account_id", "-version"]
        verbose_name_plural = "ledger entries"
        # The admin's ledger, newest first, without sorting every entry.
        indexes = [models.Index(fields=["-created_at"], name="ledger_newest_first")]
        constraints = [
            # One entry per account event; a statement is one range of this index.
            models.UniqueConstraint(fields=["account_id", "version"], name="one_entry_per_account_event"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"
