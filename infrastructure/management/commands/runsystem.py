"""The worker: carries out recorded requests by running the system's process applications."""

import logging
import threading

from django.core.management.base import BaseCommand, CommandError

from infrastructure.metrics import serve_worker_metrics
from infrastructure.signals import worker_starting
from infrastructure.system import configured_system, make_system_runner, persistence_env
from infrastructure.worker import StopSignals, Worker

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

        parser.add_argument(
            "--metrics-port",
            type=int,
            help="serve Prometheus metrics on 127.0.0.1 at this port (with Ray: the positions only)",
        )

    def handle(self, *args, runner, apps, once, poll_interval, metrics_port, **options):
        system = configured_system(read_models=True)
        unknown = set(apps or []) - set(system.followers)
        if unknown:
            raise CommandError(
                f"unknown applications {sorted(unknown)}: choose from {', '.join(system.followers)}"
            )
        if once and runner != "threads":
            raise CommandError("--once works with the threads runner only")

        signals = StopSignals()
        if metrics_port is not None:
            serve_worker_metrics(metrics_port, system, children=runner == "processes")
        hooks_stopping = threading.Event()
        if not once:
            worker_starting.send(sender=self.__class__, stopping=hooks_stopping)

        if runner == "threads":
            worker = Worker(system, persistence_env("django"), apps, poll_interval=poll_interval)
            if once:
                count = worker.process_all_pending()
                worker.stop()
                self.stdout.write(f"Processed {count} notifications.")
                return
            logger.info("running %s in threads", ", ".join(worker.names))
        else:
            worker = make_system_runner(system, runner, "django", names=apps, poll_interval=poll_interval)
            logger.info("running %s with the %s runner", ", ".join(apps or system.followers), runner)
        worker.start()
        try:
            died = worker.wait(lambda: bool(signals))
        finally:
            self.log_signal(signals)
            hooks_stopping.set()
            worker.stop()
        if died:
            # A supervisor (systemd, a container runtime) restarts a worker that exits non-zero.
            logger.critical("stopped: %s", died)
            raise CommandError(f"{died}; the worker stopped", returncode=1)
        logger.info("stopped")

    def log_signal(self, signals):
        if signals:
            logger.info("%s received: stopping after the notifications in hand", signals.name)
