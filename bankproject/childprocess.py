"""Starting Django in a child process (a spawned worker or a Ray actor)."""

from __future__ import annotations

import os
from typing import Any


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
