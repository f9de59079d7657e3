"""Starting Django in a child process (a spawned worker or a Ray actor)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
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
