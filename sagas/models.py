"""Read models of requests and their sagas, projected from Commands' and Sagas' events."""

from datetime import UTC, datetime

from django.db import models

from sagas.requests import REQUESTS


class SagaSummary(models.Model):
    # One choice per kind of request in the table (OPEN_ACCOUNT, DEPOSIT, ...).
    Kind = models.TextChoices(
        "Kind", [(kind.value.upper().replace(" ", "_"), (kind.value, kind.words)) for kind in REQUESTS]
    )

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    saga_id = models.UUIDField(unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    account_id = models.UUIDField(
        null=True,
        blank=True,
        db_index=True,
        help_text="the account the request is about (a transfer's debit account)",
    )
    to_account_id = models.UUIDField(
        null=True, blank=True, db_index=True, help_text="a transfer's credit account"
    )
    amount = models.DecimalField(
        max_digits=15,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="the money moved, or the overdraft limit asked for",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    errors = models.TextField(blank=True, help_text="why it failed, in a teller's words")
    submitted_by = models.CharField(max_length=150, blank=True)
    request_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "request"
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.status})"


class HourlyRequests(models.Model):
    """How many requests were submitted in an hour, and how many of those failed: the
    dashboard's chart, kept by the requests projection as requests arrive and end, so the
    dashboard reads a row an hour instead of grouping every request row of the day.

    A request counts in the hour of its row's created_at (in UTC), its failure too,
    whenever it ends."""

    hour = models.DateTimeField(unique=True, help_text="the hour's start")
    total = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["hour"]
        verbose_name = "requests of an hour"
        verbose_name_plural = "requests per hour"

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H:00} UTC: {self.total} requests, {self.failed} failed"

    @staticmethod
    def hour_of(moment: datetime) -> datetime:
        """The start of the hour (in UTC) that moment falls in."""
        return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
