"""Running an eventsourcing System on Django: the environment that stores its events,
a runner for it, and the system the project names in settings.BANK_SYSTEM."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from eventsourcing.system import Runner, SingleThreadedRunner, System
from eventsourcing.utils import resolve_topic

PERSISTENCE_MODULES = {
    "popo": "eventsourcing.popo",
    "django": "infrastructure.persistence:Factory",
}
# The same JSON as eventsourcing's JSONTranscoder writes, made faster (see the module).
TRANSCODER = "infrastructure.transcoding:OrjsonTranscoder"

# The runners by the names make_system_runner and runsystem know them by: eventsourcing's
# own, which processes each event as it is recorded, in the recorder's thread (for tests);
# and the worker's, whose followers pull their leaders' notifications.
RUNNERS = {
    "single": "eventsourcing.system:SingleThreadedRunner",
    "threads": "infrastructure.runners:ThreadsRunner",
    "processes": "infrastructure.runners:ProcessRunner",
    "ray": "infrastructure.runners:RayRunner",
}


def persistence_env(persistence: str) -> dict[str, str]:
    """The eventsourcing environment that stores events in memory ("popo") or
    through Django's database ("django")."""
    try:
        module = PERSISTENCE_MODULES[persistence]
    except KeyError:
        msg = f"persistence must be one of {sorted(PERSISTENCE_MODULES)}, not {persistence!r}"
        raise ValueError(msg) from None
    return {"PERSISTENCE_MODULE": module, "TRANSCODER_TOPIC": TRANSCODER}


def make_system_runner(
    system: System,
    runner: str = "threads",
    persistence: str = "django",
    env: dict[str, str] | None = None,
    **options: Any,
) -> Runner[Any]:
    """An eventsourcing Runner over system, not yet started: eventsourcing's own "single",
    or the worker's "threads", "processes" and "ray", to which options go (names: the
    applications to run, default all; poll_interval: seconds)."""
    env = {**persistence_env(persistence), **(env or {})}
    try:
        runner_class: type[Runner[Any]] = resolve_topic(RUNNERS[runner])
    except KeyError:
        msg = f"runner must be one of {sorted(RUNNERS)}, not {runner!r}"
        raise ValueError(msg) from None
    if runner_class is SingleThreadedRunner:
        return runner_class(system, env=env)
    return runner_class(system, env, **options)  # type: ignore[call-arg]


def configured_system(read_models: bool = True) -> System:
    """The project's system, as settings.BANK_SYSTEM names it: a callable taking
    read_models (whether the read-model projections are in it) that returns the System."""
    return import_string(settings.BANK_SYSTEM)(read_models=read_models)
