"""Checks the books from the event store: exit 0 when consistent, 1 on any discrepancy."""

import json
import sys
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from audit.verification import CHECKS, run_requested_verifications, verify_and_record
from infrastructure.progress import progress_bar


class Command(BaseCommand):
    help = (
        "Reads every event of Commands, Sagas and Accounts once, in order, and checks: "
        + "; ".join(CHECKS.values())
        + ". Prints a report and exits 1 on any discrepancy."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", metavar="PATH", help="also write the report as JSON to PATH ('-': stdout)"
        )
        parser.add_argument(
            "--pending-limit",
            type=float,
            default=300.0,
            metavar="SECONDS",
            help="a request pending longer than this is a discrepancy (default 300)",
        )
        parser.add_argument(
            "--requested",
            action="store_true",
            help="run the verifications auditors asked for from the dashboard, then exit",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, json: str | None, pending_limit, requested, no_progress, **options):
        limit = timedelta(seconds=pending_limit)
        if requested:
            done = run_requested_verifications(limit)
            self.stdout.write(f"Ran {len(done)} requested verifications.")
            if any(v.discrepancy_count for v in done):
                raise CommandError("discrepancies found", returncode=1)
            return
        progress = None if no_progress else self.progress
        verification, report = verify_and_record(pending_limit=limit, on_progress=progress)
        if progress:
            self.stderr.write("")
        self.print_report(report)
        if json:
            write_json(report.as_dict(), json, self.stdout)
        if not report.is_consistent:
            raise CommandError(
                f"{len(report.discrepancies)} discrepancies (verification {verification.pk})", returncode=1
            )

    def print_report(self, report):
        self.stdout.write(f"Books verified from the event store at {report.started_at:%Y-%m-%d %H:%M:%S %Z}")
        for name, count in sorted(report.counts.items()):
            self.stdout.write(f"  {name:<36} {count:>12,}")
        for name, amount in report.totals.items():
            self.stdout.write(f"  {name:<36} {amount:>12}")
        for d in report.discrepancies:
            where = ", ".join(
                f"{label} {value}"
                for label, value in (
                    ("account", d.account_id),
                    ("request", d.request_id),
                    ("notification", d.notification_id and f"{d.application} {d.notification_id}"),
                )
                if value
            )
            self.stdout.write(
                self.style.ERROR(f"DISCREPANCY [{d.check}] {d.detail}" + (f" ({where})" if where else ""))
            )
        if report.is_consistent:
            self.stdout.write(self.style.SUCCESS("Books consistent: " + "; ".join(CHECKS.values()) + "."))

    def progress(self, done: int, total: int) -> None:
        self.stderr.write(progress_bar("Verifying", done, total, "notifications"), ending="")
        sys.stderr.flush()


def write_json(report: dict, path: str, stdout) -> None:
    text = json.dumps(report, indent=2)
    if path == "-":
        stdout.write(text)
        return
    with open(path, "w") as file:
        file.write(text + "\n")
