"""The project's persistence module: eventsourcing-django with notification ids
that become visible in id order on every database, and batches.

- ``serialise_inserts``: each application's inserts hold a lock row to commit.
- ``batch``: one transaction for many of a follower's notifications, with one
  tracking row per leader and the events inserted together at its end.
- ``write_rows``: the hot paths' writes (events, lock rows, read-model rows) in SQL.

Select it with ``persistence_env("django")`` (infrastructure.system), which sets
eventsourcing's PERSISTENCE_MODULE to ``infrastructure.persistence:Factory``.
"""

from infrastructure.persistence.batches import (
    batch,
    batch_transaction,
    batches_in_a_row,
    before_batch_commits,
    end_reads,
    serialise_inserts,
    sqlite_writers_take_turns,
)
from infrastructure.persistence.recorders import (
    BankAggregateRecorder,
    BankApplicationRecorder,
    BankProcessRecorder,
    Factory,
)
from infrastructure.persistence.sqlwriter import insert_rows, write_rows

__all__ = [
    "BankAggregateRecorder",
    "BankApplicationRecorder",
    "BankProcessRecorder",
    "Factory",
    "batch",
    "batch_transaction",
    "batches_in_a_row",
    "before_batch_commits",
    "end_reads",
    "insert_rows",
    "serialise_inserts",
    "sqlite_writers_take_turns",
    "write_rows",
]
