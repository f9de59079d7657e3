"""Projects every event into new read-model tables, then swaps the new rows in for the old."""

import sys

from django.core.management.base import BaseCommand
from django.core.management.color import no_style
from django.db import connection, models, transaction

from infrastructure.models import ProjectionTrackingRecord
from infrastructure.persistence import serialise_inserts, sqlite_writers_take_turns
from infrastructure.progress import progress_bar
from infrastructure.projections import ReadModelProjection, shadow_model
from infrastructure.status import notification_count
from infrastructure.system import configured_system, persistence_env
from infrastructure.worker import Worker

# The swap's transaction catches up what arrived since the last pass: the passes before it
# go on (up to CATCH_UP_PASSES) while more than this many notifications arrived during one.
SWAP_CATCH_UP = 100
CATCH_UP_PASSES = 10


class Command(BaseCommand):
    help = (
        "Replays every event into shadow copies of the read models (accounts, ledger, requests), "
        "each batch its own short transaction, then swaps the new rows in in one short transaction: "
        "pages keep showing the old rows until the new ones are complete. The worker may keep running; "
        "its projections carry on in the live tables, and go on from where the rebuild ends."
    )

    def handle(self, *args, **options):
        system = configured_system(read_models=True)
        names = sorted(n for n in system.followers if issubclass(system.follower_cls(n), ReadModelProjection))
        worker = Worker(system, persistence_env("django"), names)
        total = sum(
            notification_count(leader, system.follower_cls(name).topics)
            for name in names
            for leader in system.follows[name]
        )
        live_models = [model for name in names for model in worker.apps[name].read_models]
        live_models.append(ProjectionTrackingRecord)  # the projections' positions, rebuilt with their rows
        shadows = make_shadow_tables(live_models)
        try:
            for name in names:
                app = worker.apps[name]
                app.tables = {model: shadows[model] for model in app.read_models}
                app.recorder.tracking_model = shadows[ProjectionTrackingRecord]
            count = self.replay(worker, total)
            count += self.swap_in(worker, names, shadows)
        finally:
            worker.stop()
            drop_tables(shadows.values())
        self.progress(count, count)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {', '.join(names)} from {count} notifications."))

    def replay(self, worker: Worker, total: int) -> int:
        """Projects what exists now into the shadow tables, each batch its own transaction:
        SQLite's one write lock, and elsewhere the projections' lock rows, are held a batch at
        a time, and the worker (Sagas, Accounts, the live projections) and web requests write
        in between. Then what arrived meanwhile, until little is left for the swap."""
        count = 0
        for _ in range(CATCH_UP_PASSES):
            self.replay_up_to_now(worker)
            done = worker.process_all_pending(
                on_progress=lambda done, before=count: self.progress(before + done, total)
            )
            count += done
            if done <= SWAP_CATCH_UP:
                break
        return count

    def swap_in(self, worker: Worker, names: list[str], shadows: dict[type, type]) -> int:
        """In one short transaction: catches up what the live projections have projected
        since the rebuild began, and copies the rebuilt rows over the live ones."""
        # Its batches take turns with this process's writers before the transaction, so must this.
        with sqlite_writers_take_turns(), transaction.atomic():
            # The live projections wait from here (on SQLite, every writer does).
            for name in names:  # in name order, as every writer of these tables locks
                serialise_inserts(name, None)
            self.replay_up_to_now(worker)
            count = worker.process_all_pending()
            ProjectionTrackingRecord.objects.filter(application_name__in=names).delete()
            for model, shadow in shadows.items():
                copy_rows(shadow, model, replace=model is not ProjectionTrackingRecord)
        return count

    @staticmethod
    def replay_up_to_now(worker: Worker) -> None:
        """Sets the rebuild's end at the last notification each leader has now: it replays
        what exists, not what keeps arriving."""
        for loop in worker.loops.values():
            loop.up_to = {leader: source.max_notification_id() for leader, source in loop.leaders.items()}

    def progress(self, done: int, total: int) -> None:
        self.stdout.write(progress_bar("Rebuilding read models", done, total, "notifications"), ending="")
        sys.stdout.flush()


def make_shadow_tables(models_: list[type[models.Model]]) -> dict[type[models.Model], type[models.Model]]:
    """Empty shadow tables of the models (those a rebuild that stopped half-way left, made anew)."""
    shadows = {model: shadow_model(model) for model in models_}
    drop_tables(shadows.values())
    with connection.schema_editor() as editor:
        for shadow in shadows.values():
            editor.create_model(shadow)
    return shadows


def copy_rows(source: type[models.Model], target: type[models.Model], replace: bool) -> None:
    """Inserts every row of source's table into target's (after emptying it, with replace),
    with one statement each, in SQL: the swap's time is the database's copying, no more.
    Primary keys are copied (BankTotals' one row is found by its key); then the target's id
    sequence is moved past them (PostgreSQL), so that the live projections' new rows get new keys.

    Copied rather than renamed: renaming tables would leave the live tables with the shadows'
    index names, which migrations name, and on MariaDB would end the transaction."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in target._meta.concrete_fields)
    with connection.cursor() as cursor:
        if replace:
            cursor.execute(f"DELETE FROM {quote(target._meta.db_table)}")
        cursor.execute(
            f"INSERT INTO {quote(target._meta.db_table)} ({columns}) "
            f"SELECT {columns} FROM {quote(source._meta.db_table)}"
        )
        for statement in connection.ops.sequence_reset_sql(no_style(), [target]):
            cursor.execute(statement)


def drop_tables(shadows) -> None:
    """Drops those of the shadow tables that exist."""
    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for shadow in shadows:
            if shadow._meta.db_table in existing:
                editor.delete_model(shadow)
