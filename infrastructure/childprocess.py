"""Starting Django in a child process (a spawned worker or a Ray actor), and ending
children with their parent."""

from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def start_django(settings_module: str, database: dict[str, Any] | None = None) -> None:
    """Sets Django up in this process, on the given database if one is given.

    A child told only DJANGO_SETTINGS_MODULE would connect to the database the
    settings name, which is not the one its parent uses when the parent runs
    under a test runner that created a test database. The parent passes its
    resolved ``connections["default"].settings_dict``; it is applied here before
    ``django.setup()``.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django
    from django.conf import settings

    if database is not None:
        settings.DATABASES["default"] = dict(database)
    django.setup()


def database_settings() -> dict[str, Any]:
    """This process's resolved default database settings, to hand to a child."""
    from django.db import connections

    return dict(connections["default"].settings_dict)


def die_with_parent(parent_pid: int) -> None:
    """Makes this child end when its parent dies, however it dies (SIGKILL included).

    On Linux the kernel sends SIGTERM at the parent's death (prctl PR_SET_PDEATHSIG,
    which the standard library does not wrap), so the child stops as on any SIGTERM.
    The kernel watches the thread that started the child: runners start their
    children from the thread that lives as long as they do. Elsewhere, the child's
    main loop notices that its parent has changed (see parent_is_gone).
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent_is_gone(parent_pid):
        os.kill(os.getpid(), signal.SIGTERM)  # it died before the kernel was asked to tell


def parent_is_gone(parent_pid: int) -> bool:
    """Whether the process that started this one has died (its orphans are adopted)."""
    return os.getppid() != parent_pid


def end_with_this_process(root_pids: list[int]) -> None:
    """Makes the given processes and every process below them end when this one dies,
    however it dies (SIGKILL included).

    For a private Ray: Ray ties gcs_server and the raylet to the process that starts
    them (PR_SET_PDEATHSIG), and the actors' workers end with the raylet; but its
    dashboard and runtime-env agents, children of the raylet, on seeing the raylet die
    first try to report its death to gcs_server, which died with it, and wait up to 60 s
    for that before they exit. A watcher of our own, outside Ray's tree, notes the trees
    below the roots while this process lives and kills what is left of them when it dies.
    """
    subprocess.Popen(
        [sys.executable, "-m", "infrastructure.childprocess", str(os.getpid()), *map(str, root_pids)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in a terminal does not reach it: it outlives the rest
    )


# A Ray session's directory name, as its processes' command lines give it.
RAY_SESSION = re.compile(r"session_[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9_-]+")


def _started(pid: int) -> str | None:
    """A process's start time (told apart from a later process given the same id), if it lives."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _below(roots: set[int]) -> set[int]:
    """The roots that live and every process below them, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found = roots & parents.keys()
    while True:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        if not more:
            return found
        found |= more


def _ray_sessions(pids: Iterable[int]) -> set[str]:
    """The Ray sessions (their directories' names) the processes' command lines name."""
    sessions = set()
    for pid in pids:
        try:
            sessions.update(
                RAY_SESSION.findall(Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"))
            )
        except OSError:
            continue
    return sessions


def _of_sessions(sessions: set[str]) -> dict[int, str | None]:
    """Every living process whose command line names one of the sessions."""
    if not sessions:
        return {}
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    return {pid: _started(pid) for pid in pids if _ray_sessions([pid]) & sessions}


def _watch(parent_pid: int, roots: set[int], interval: float = 0.5) -> None:
    """The watcher's body (see end_with_this_process)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    noted = {pid: started for pid in roots if (started := _started(pid)) is not None}
    sessions: set[str] = set()
    while not parent_is_gone(parent_pid):
        # Followed by id only while the id is still that process's (ids are reused).
        same = {pid for pid, started in noted.items() if _started(pid) == started}
        noted = {pid: started for pid in _below(same) if (started := _started(pid)) is not None}
        sessions |= _ray_sessions(noted)
        time.sleep(interval)
    # What was noted, and what was started since the last look (a Ray worker whose
    # raylet died is adopted elsewhere): every process of the same Ray sessions.
    for _ in range(2):
        for pid, started in {**noted, **_of_sessions(sessions)}.items():
            if _started(pid) == started:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        time.sleep(interval)


if __name__ == "__main__":
    _watch(int(sys.argv[1]), {int(pid) for pid in sys.argv[2:]})
