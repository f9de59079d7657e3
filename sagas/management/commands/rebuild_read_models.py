"""Empties the read models and projects every event into them again."""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from bankproject.models import ProjectionTrackingRecord
from bankproject.persistence import serialise_inserts
from bankproject.progress import progress_bar
from bankproject.projections import ReadModelProjection
from bankproject.status import notification_count
from bankproject.system import BankAccountSystem, persistence_env
from bankproject.worker import Worker


class Command(BaseCommand):
    help = (
        "Empties the read models (accounts, ledger, requests) and replays every event into them, "
        "in one transaction: pages keep showing the old rows until the new ones are complete. "
        "The worker may keep running; its projections wait for the rebuild to finish."
    )

    def handle(self, *args, **options):
        system = BankAccountSystem(read_models=True)
        names = sorted(n for n in system.followers if issubclass(system.follower_cls(n), ReadModelProjection))
        worker = Worker(system, persistence_env("django"), names)
        total = sum(
            notification_count(leader, system.follower_cls(name).topics)
            for name in names
            for leader in system.follows[name]
        )
        with transaction.atomic():
            for name in names:  # in name order, as every writer of these tables locks
                serialise_inserts(name, None)
            for name in names:
                worker.apps[name].clear()
            ProjectionTrackingRecord.objects.filter(application_name__in=names).delete()
            for loop in worker.loops.values():
                # What exists now; the projections carry on from there once this commits.
                loop.up_to = {leader: source.max_notification_id() for leader, source in loop.leaders.items()}
            count = worker.process_all_pending(on_progress=lambda done: self.progress(done, total))
        worker.stop()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {', '.join(names)} from {count} notifications."))

    def progress(self, done: int, total: int) -> None:
        self.stdout.write(progress_bar("Rebuilding read models", done, total, "notifications"), ending="")
        sys.stdout.flush()
