"""Read models of requests and their sagas, projected from Commands' and Sagas' events."""

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
