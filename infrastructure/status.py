"""Where each follower of the system is in its leaders' notification logs, and what it is doing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.utils import timezone
from eventsourcing.system import System
from eventsourcing_django.models import NotificationTrackingRecord, StoredEventRecord

from infrastructure.models import FollowerState, ProjectionTrackingRecord
from infrastructure.persistence.sqlreader import highest_values
from infrastructure.projections import ReadModelProjection


@dataclass(frozen=True)
class FollowerPosition:
    follower: str
    leader: str
    position: int | None  # the last notification of the leader it processed
    leader_position: int | None  # the leader's last notification
    lag: int  # notifications of the leader (that it follows) it has yet to process


def follower_positions(system: System) -> list[FollowerPosition]:
    pairs = [(follower, leader) for follower, leaders in system.follows.items() for leader in leaders]
    leaders = list(system.leads)
    # One statement of index probes: each follower's position in each of its leaders' logs (in
    # its tracking table: the projections' own, or eventsourcing-django's), and each leader's
    # last notification. Grouped instead (MAX(id) ... GROUP BY application_name), MariaDB read
    # every entry of the logs' index: 60 ms of the dashboard at 85,000 events; the tracking
    # tables, grouped so too, grow a row a batch.
    found = highest_values(
        [
            (tracking_model(system, follower), "notification_id", follower, leader)
            for follower, leader in pairs
        ]
        + [(StoredEventRecord, "id", leader, None) for leader in leaders]
    )
    tracked = dict(zip(pairs, found[: len(pairs)], strict=True))
    last_ids = {
        leader: last for leader, last in zip(leaders, found[len(pairs) :], strict=True) if last is not None
    }
    positions = []
    for follower, leader in pairs:
        topics = system.follower_cls(follower).topics
        position = tracked[(follower, leader)]
        last_id = last_ids.get(leader, position)
        caught_up = last_id is None or last_id == position
        lag = 0 if caught_up else notification_count(leader, topics, after=position)
        positions.append(FollowerPosition(follower, leader, position, last_id, lag))
    return positions


def tracking_model(system: System, follower: str) -> type[models.Model]:
    """The table the follower records its positions in."""
    if issubclass(system.follower_cls(follower), ReadModelProjection):
        return ProjectionTrackingRecord
    return NotificationTrackingRecord


def notification_count(leader: str, topics: Sequence[str] = (), after: int | None = None) -> int:
    """How many notifications of the leader (of the given topics) come after the given one."""
    notifications = StoredEventRecord.objects.filter(application_name=leader, id__gt=after or 0)
    if topics:
        notifications = notifications.filter(topic__in=topics)
    return notifications.count()


def record_follower_state(
    name: str,
    state: str,
    since: datetime,
    failures: int = 0,
    error: str = "",
    leader_name: str = "",
    notification_id: int | None = None,
) -> None:
    """Records what the named follower is doing (see infrastructure.worker.FollowerLoop)."""
    FollowerState.objects.update_or_create(
        application_name=name,
        defaults={
            "state": state,
            "since": since,
            "failures": failures,
            "last_error": error,
            "leader_name": leader_name,
            "notification_id": notification_id,
        },
    )


@dataclass(frozen=True)
class FollowerTrouble:
    follower: str
    state: FollowerState
    keeps_read_models: bool

    def __str__(self) -> str:
        state = self.state
        if state.notification_id is not None:
            where = f"notification {state.notification_id} of {state.leader_name}"
        else:
            where = "its leaders' notifications"
        since = timezone.localtime(state.since).strftime("%Y-%m-%d %H:%M:%S %Z")
        return (
            f"{self.follower}: {'read models stopped' if self.keeps_read_models else 'failing'} at {where} "
            f"since {since} ({state.failures} attempts): {state.last_error}"
        )


def follower_states(system: System) -> dict[str, FollowerState]:
    """Each follower's last recorded state (followers never run have none)."""
    return {
        s.application_name: s for s in FollowerState.objects.filter(application_name__in=list(system.follows))
    }


def follower_troubles(
    system: System, states: dict[str, FollowerState] | None = None
) -> list[FollowerTrouble]:
    """The followers that are failing, each with its notification and error (from states, the
    followers' states as follower_states read them, if given)."""
    if states is None:
        states = follower_states(system)
    return [
        FollowerTrouble(name, state, issubclass(system.follower_cls(name), ReadModelProjection))
        for name, state in states.items()
        if state.state == FollowerState.RETRYING
    ]
