"""Writer processes for the insert-order race (spawned: nothing here runs on import)."""

import random
import time


def save_aggregates(settings_module, database, persistence_module, count, seed):
    from infrastructure.childprocess import start_django

    start_django(settings_module, database)

    from django.db import transaction
    from eventsourcing.domain import Aggregate

    from tests.persistence.test_insert_order import RaceLeader

    leader = RaceLeader(env={"PERSISTENCE_MODULE": persistence_module})
    rng = random.Random(seed)
    for _ in range(count):
        with transaction.atomic():
            leader.save(Aggregate())
            # Work done after the insert and before the commit (a process
            # application writes its tracking record there) widens the window
            # in which a later id can commit first.
            time.sleep(rng.uniform(0, 0.01))
