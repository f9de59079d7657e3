"""How the bank's applications are put together and where they store their events."""

from __future__ import annotations

PERSISTENCE_MODULES = {
    "popo": "eventsourcing.popo",
    "django": "bankproject.persistence:Factory",
}


def persistence_env(persistence: str) -> dict[str, str]:
    """The eventsourcing environment that stores events in memory ("popo") or
    through Django's database ("django")."""
    try:
        module = PERSISTENCE_MODULES[persistence]
    except KeyError:
        msg = f"persistence must be one of {sorted(PERSISTENCE_MODULES)}, not {persistence!r}"
        raise ValueError(msg) from None
    return {"PERSISTENCE_MODULE": module}
