"""Runners beyond eventsourcing's own: one process per application (processes), and
Ray actors (rayactors).

eventsourcing 9 dropped the multiprocess and Ray runners of earlier versions.
Both are rebuilt here on the worker: each follower application runs a FollowerLoop
in its own process (or actor), pulling its leaders' notifications, prompted across
processes where possible and polling otherwise.
"""

from infrastructure.runners.processes import ProcessRunner
from infrastructure.runners.rayactors import ApplicationActor, RayRunner, start_ray

__all__ = ["ApplicationActor", "ProcessRunner", "RayRunner", "start_ray"]
