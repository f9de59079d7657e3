"""The worker: carries out recorded requests by running the system's process applications."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from audit.worker import start_verifying_requests
from bankproject.system import BankAccountSystem, make_runner, persistence_env
from bankproject.worker import Worker

logger = logging.getLogger("bank.worker")


class Command(BaseCommand):
    help = (
        "Runs the bank's process applications (Sagas, Accounts) against the database, "
        "pulling the requests that the web process records. SIGTERM or Ctrl-C stops it "
        "between notifications."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--runner",
            choices=["threads", "processes", "ray"],
            default="threads",
            help="a thread per application (default), a process per application, or Ray actors",
        )
        parser.add_argument(
            "--apps",
            type=lambda names: [n.strip() for n in names.split(",") if n.strip()],
            help="comma-separated applications to run here (default: all), e.g. Sagas,Accounts",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="process everything pending, then exit (threads runner only)",
        )
        parser.add_argument(
            "--poll-interval",
            type=float,
            default=0.5,
            help="longest wait, in seconds, between looks for new requests when idle",
        )

    def handle(self, *args, runner, apps, once, poll_interval, **options):
        system = BankAccountSystem(read_models=True)
        unknown = set(apps or []) - set(system.followers)
        if unknown:
            raise CommandError(
                f"unknown applications {sorted(unknown)}: choose from {', '.join(system.followers)}"
            )
        if once and runner != "threads":
            raise CommandError("--once works with the threads runner only")

        stopping = threading.Event()

        def stop(signum, frame):
            logger.info("%s received: stopping after the notifications in hand", signal.Signals(signum).name)
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if not once:
            start_verifying_requests(stopping)  # audit: verifications asked for from the dashboard

        if runner == "threads":
            worker = Worker(system, persistence_env("django"), apps, poll_interval=poll_interval)
            if once:
                count = worker.process_all_pending()
                worker.stop()
                self.stdout.write(f"Processed {count} notifications.")
                return
            logger.info("running %s in threads", ", ".join(worker.names))
            worker.start()
            stopping.wait()
            worker.stop()
        else:
            system_runner = make_runner(runner, "django", names=apps, poll_interval=poll_interval)
            logger.info("running %s with the %s runner", ", ".join(apps or system.followers), runner)
            system_runner.start()
            try:
                system_runner.wait(stopping)
            finally:
                system_runner.stop()
        logger.info("stopped")
