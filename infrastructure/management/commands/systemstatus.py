"""Where each follower is, what it is doing, and whether any is stuck or failing."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from infrastructure.status import follower_positions, follower_states, follower_troubles
from infrastructure.system import configured_system

HEALTHY, FAILING, UNREACHABLE = 0, 1, 2


class Command(BaseCommand):
    help = (
        "Shows, for each application of the worker and each application it follows, the last "
        "notification it processed, the leader's last notification, how many it has yet to "
        "process and its state. Exits 0 when healthy; 1 if a follower is failing (with its "
        "notification and error) or made no progress with work waiting over --wait seconds; "
        "2 if the database cannot be reached."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=5.0,
            help="seconds between the two looks that tell a stuck follower (0: one look, never stuck)",
        )

    def handle(self, *args, wait, **options):
        system = configured_system(read_models=True)
        try:
            before = follower_positions(system)
            after = before
            if wait > 0:
                time.sleep(wait)
                after = follower_positions(system)
            states = follower_states(system)
            troubles = follower_troubles(system, states)
        except DatabaseError as error:
            reason = " ".join(str(error).split())
            raise CommandError(f"database unreachable: {reason}", returncode=UNREACHABLE) from None
        stuck = [
            now
            for then, now in zip(before, after, strict=True)
            if wait > 0 and now.lag > 0 and then.lag > 0 and now.position == then.position
        ]
        self.stdout.write(
            f"{'application':<20} {'follows':<12} {'processed':>10} {'last':>10} {'waiting':>8} state"
        )
        for p in after:
            mark = "  STUCK" if p in stuck else ""
            state = states[p.follower].state if p.follower in states else "-"
            self.stdout.write(
                f"{p.follower:<20} {p.leader:<12} {p.position or '-':>10} {p.leader_position or '-':>10} "
                f"{p.lag:>8} {state}{mark}"
            )
        problems = [str(trouble) for trouble in troubles]
        problems += [f"{p.follower}: stuck, behind {p.leader} by {p.lag}" for p in stuck]
        if problems:
            raise CommandError("\n".join(problems), returncode=FAILING)
