"""Verifications of the books: each run of verifyledger, and the ones auditors ask the worker for."""

from django.db import models


class LedgerVerification(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", "requested"
        RUNNING = "running", "running"
        DONE = "done", "done"

    class Outcome(models.TextChoices):
        CONSISTENT = "consistent", "books consistent"
        DISCREPANCIES = "discrepancies", "discrepancies found"
        FAILED = "failed", "could not finish"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    outcome = models.CharField(max_length=15, choices=Outcome.choices, blank=True)
    requested_by = models.CharField(max_length=150, blank=True, help_text="empty: run from the command line")
    requested_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    events_checked = models.BigIntegerField(default=0)
    discrepancy_count = models.IntegerField(default=0)
    report = models.JSONField(
        null=True, blank=True, help_text="the full report, as verifyledger --json writes it"
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = "verification of the books"
        verbose_name_plural = "verifications of the books"

    def __str__(self) -> str:
        return f"verification {self.pk} ({self.get_outcome_display() or self.status})"
