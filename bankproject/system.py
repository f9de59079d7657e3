"""How the bank's applications are put together, run and stored."""

from __future__ import annotations

import functools
from typing import Any

from eventsourcing.system import MultiThreadedRunner, Runner, SingleThreadedRunner, System

from accounts.application import Accounts
from sagas.application import Commands, Sagas

PERSISTENCE_MODULES = {
    "popo": "eventsourcing.popo",
    "django": "bankproject.persistence:Factory",
}
# The same JSON as eventsourcing's JSONTranscoder writes, made faster (see the module).
TRANSCODER = "bankproject.transcoding:OrjsonTranscoder"


def persistence_env(persistence: str) -> dict[str, str]:
    """The eventsourcing environment that stores events in memory ("popo") or
    through Django's database ("django")."""
    try:
        module = PERSISTENCE_MODULES[persistence]
    except KeyError:
        msg = f"persistence must be one of {sorted(PERSISTENCE_MODULES)}, not {persistence!r}"
        raise ValueError(msg) from None
    return {"PERSISTENCE_MODULE": module, "TRANSCODER_TOPIC": TRANSCODER}


class BankAccountSystem(System):
    """Commands → Sagas → Accounts → Sagas, and, with read_models, the projections
    of accounts (from Accounts) and of requests (from Commands and Sagas) into the
    Django database."""

    def __init__(self, read_models: bool = False) -> None:
        pipes: list[list[type[Any]]] = [[Commands, Sagas, Accounts, Sagas]]
        if read_models:
            # Django code: imported only when the system runs on the Django database.
            from accounts.projections import AccountsProjection
            from sagas.projections import SagasProjection

            pipes += [
                [Accounts, AccountsProjection],
                [Commands, SagasProjection],
                [Sagas, SagasProjection],
            ]
        super().__init__(pipes=pipes)


RUNNERS: dict[str, type[Runner[Any]]] = {
    "single": SingleThreadedRunner,
    "threads": MultiThreadedRunner,
}


def make_runner(
    runner: str = "threads",
    persistence: str = "django",
    env: dict[str, str] | None = None,
    **options: Any,
) -> Runner[Any]:
    """An eventsourcing Runner over BankAccountSystem, not yet started.

    On the Django database the system includes the read-model projections.

    options go to the "processes" and "ray" runners: names (the applications to
    run, default all) and poll_interval (seconds).
    """
    system = BankAccountSystem(read_models=persistence == "django")
    env = {**persistence_env(persistence), **(env or {})}
    if runner == "processes":
        from bankproject.runners import ProcessRunner

        return ProcessRunner(system, env, **options)
    if runner == "ray":
        from bankproject.runners import RayRunner

        return RayRunner(system, env, **options)
    try:
        runner_class = RUNNERS[runner]
    except KeyError:
        msg = f"runner must be one of {sorted([*RUNNERS, 'processes', 'ray'])}, not {runner!r}"
        raise ValueError(msg) from None
    return runner_class(system, env=env)


@functools.cache
def recorded_commands() -> Commands:
    """The web process's Commands, recording requests in the Django database."""
    return Commands(env=persistence_env("django"))
