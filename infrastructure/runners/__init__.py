"""The runners built on the worker: a thread per application (threads), one process per
application (processes), and Ray actors (rayactors).

eventsourcing 9 dropped the multiprocess and Ray runners of earlier versions, and its
MultiThreadedRunner pushes events to followers instead of letting them pull. Here each
follower application runs a FollowerLoop in a thread, a process or an actor, pulling its
leaders' notifications, prompted where possible and polling otherwise.
"""

from infrastructure.runners.processes import ProcessRunner
from infrastructure.runners.rayactors import ApplicationActor, RayRunner, start_ray
from infrastructure.runners.threads import ThreadsRunner

__all__ = ["ApplicationActor", "ProcessRunner", "RayRunner", "ThreadsRunner", "start_ray"]
