"""Where each follower of the system is, and whether any is stuck."""

import time

from django.core.management.base import BaseCommand, CommandError

from bankproject.status import follower_positions
from bankproject.system import BankAccountSystem


class Command(BaseCommand):
    help = (
        "Shows, for each application of the worker and each application it follows, the last "
        "notification it processed, the leader's last notification and how many it has yet to "
        "process. Exits 1 if a follower with work waiting made no progress over --wait seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=5.0,
            help="seconds between the two looks that tell a stuck follower (0: one look, never stuck)",
        )

    def handle(self, *args, wait, **options):
        system = BankAccountSystem(read_models=True)
        before = follower_positions(system)
        after = before
        if wait > 0:
            time.sleep(wait)
            after = follower_positions(system)
        stuck = [
            now
            for then, now in zip(before, after, strict=True)
            if wait > 0 and now.lag > 0 and then.lag > 0 and now.position == then.position
        ]
        self.stdout.write(
            f"{'application':<20} {'follows':<12} {'processed':>10} {'last':>10} {'waiting':>8}"
        )
        for p in after:
            mark = "  STUCK" if p in stuck else ""
            self.stdout.write(
                f"{p.follower:<20} {p.leader:<12} {p.position or '-':>10} {p.leader_position or '-':>10} "
                f"{p.lag:>8}{mark}"
            )
        if stuck:
            names = ", ".join(f"{p.follower} (behind {p.leader} by {p.lag})" for p in stuck)
            raise CommandError(f"stuck: {names}", returncode=1)
